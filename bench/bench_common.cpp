#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/core.h>

#include "attnlim/engine/cuda_runtime.hpp"
#include "bench.hpp"
#if defined(ATTNLIM_WITH_CUDA)
#include "attnlim/engine/cuda_bench.hpp"
#endif

namespace bench {

namespace {
std::unique_ptr<std::ofstream> jsonl_out;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::string si(double x) {
  const char* units[] = {"", "k", "M", "G", "T"};
  int u = 0;
  while (std::abs(x) >= 1000.0 && u < 4) {
    x /= 1000.0;
    ++u;
  }
  return fmt::format("{:.3g}{}", x, units[u]);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown CPU";
}

void open_jsonl(const std::string& path) {
  if (path.empty()) return;
  jsonl_out = std::make_unique<std::ofstream>(path);
  if (!*jsonl_out) throw attnlim::InputError("jsonl", "cannot write " + path);
}

void emit(const json& j) {
  if (jsonl_out) {
    *jsonl_out << j.dump() << '\n';
    jsonl_out->flush();
  }
}

std::uint64_t calibrate(const std::function<double(std::uint64_t)>& run, std::uint64_t start, double target,
                        std::uint64_t granule) {
  std::uint64_t work = std::max<std::uint64_t>(start, granule);
  double t = run(work);
  while (t < 0.1 && work < (std::uint64_t{1} << 52)) {
    work *= t < 0.01 ? 8 : 2;
    t = run(work);
  }
  const double scaled = static_cast<double>(work) * target / std::max(t, 1e-9);
  const std::uint64_t rounded = static_cast<std::uint64_t>(std::ceil(scaled / granule)) * granule;
  return std::max(granule, rounded);
}

Timing repeat(const std::function<double()>& run, int repeats) {
  run();  // warm-up
  Timing t;
  for (int r = 0; r < repeats; ++r) t.seconds.push_back(run());
  t.median_s = median(t.seconds);
  t.min_s = *std::min_element(t.seconds.begin(), t.seconds.end());
  t.max_s = *std::max_element(t.seconds.begin(), t.seconds.end());
  return t;
}

double run_once(const Contender& who, const attnlim::RunSpec& spec, std::uint64_t trials) {
#if defined(ATTNLIM_WITH_CUDA)
  if (who.backend == "cuda") {  // CUDA events, after its warm-up
    return attnlim::cuda::fused_seconds(spec, trials, nullptr, who.launch);
  }
#endif
  attnlim::EngineOptions options;
  options.threads = who.threads;
  const auto engine = attnlim::make_engine(who.backend == "cuda" ? attnlim::EngineChoice::cuda : attnlim::EngineChoice::cpu,
                                           options);
  const auto t0 = Clock::now();
  engine->run(spec, attnlim::WorkRange::all_keys(spec, trials));
  return seconds_since(t0);
}

}  // namespace bench
