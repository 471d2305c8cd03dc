#include "baselines.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>

#include <fmt/core.h>

namespace bench {

json run_baseline(const std::string& name, const std::string& command, int d, const std::vector<double>& betas,
                  const Options& o) {
  std::string betas_csv;
  for (double b : betas) betas_csv += (betas_csv.empty() ? "" : ",") + fmt::format("{:.17g}", b);
  const std::string cmd = fmt::format("{} --d {} --trials {} --top-k {} --betas {} --n auto --seconds {} --repeats {}",
                                      command, d, o.trials, o.top_k, betas_csv, o.baseline_seconds, o.baseline_repeats);
  std::FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot start baseline " + name);
  std::string out, last;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
  const int wait_status = pclose(pipe);
  const int status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  for (std::size_t pos = 0; pos < out.size();) {
    const std::size_t end = out.find('\n', pos);
    const std::string line = out.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!line.empty() && line[0] == '{') last = line;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (status != 0 || last.empty()) {
    fmt::print(stderr, "attnlim_bench: baseline {} failed at d={} (exit status {}): {}\n", name, d, status, cmd);
    return json();
  }
  json j = json::parse(last);
  j["kind"] = "baseline";
  j["name"] = name;
  j["command"] = cmd;
  return j;
}

}  // namespace bench
