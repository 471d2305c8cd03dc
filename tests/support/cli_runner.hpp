// Runs the attnlim binary (ATTNLIM_CLI_PATH, set by tests/CMakeLists.txt) through the shell for the
// command-line tests: exit status and stdout+stderr together.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

struct CliRun {
  int status;
  std::string output;
};

// A shell command's exit status and its stdout+stderr.
inline CliRun run_shell_capture(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) out += buf;
  const int raw = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// Args are shell words (quote '' for an empty value). The time limit turns a run that would go on for
// ever (e.g. a saturated n) into a failure instead of a hang.
inline CliRun run_cli_capture(const std::string& args) {
  return run_shell_capture("timeout 300 " + std::string(ATTNLIM_CLI_PATH) + " " + args);
}
