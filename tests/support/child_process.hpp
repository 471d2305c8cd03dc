// The attnlim binary as a child process the test can signal: started with execv (no shell between), its
// stdout and stderr in files, and a wait with a deadline.
#pragma once
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace attnlim_test {

// Starts ATTNLIM_CLI_PATH with `args`; stdout and stderr go to the given files ("/dev/null" to drop).
inline pid_t spawn_cli(const std::vector<std::string>& args, const std::string& out = "/dev/null",
                       const std::string& err = "/dev/null") {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(ATTNLIM_CLI_PATH)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr)) _exit(126);
    execv(ATTNLIM_CLI_PATH, argv.data());
    _exit(127);
  }
  return pid;
}

struct ChildExit {
  bool exited = false;  // false: still running at the deadline (then killed)
  int code = -1;        // exit code, or 128 + signal when a signal ended it
  double seconds = 0;   // from the call to the exit
};

// Waits up to `limit` seconds; a child still running then is killed (SIGKILL) and reported as not exited.
inline ChildExit wait_for_exit(pid_t pid, double limit) {
  const auto start = std::chrono::steady_clock::now();
  ChildExit result;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (done == pid) {
      result.exited = true;
      result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return result;
    }
    if (result.seconds > limit) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace attnlim_test
