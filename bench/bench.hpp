// attnlim_bench's shared pieces: options, calibrated timing, the JSON-lines output and the contenders
// (an engine at a thread count). See bench_main.cpp for what is measured.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/keys/tiers.hpp"

namespace bench {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<int> dims = {3, 16, 128};
  std::vector<std::string> tiers = {"full", "projected"};
  std::vector<std::string> keys = {"uniform"};  // key-model SPECs (--keys), each parsed per d
  std::vector<std::string> backends;  // empty: cpu, plus cuda when available
  double seconds = 1.5;
  std::uint64_t n = 0;  // keys per trial (--n); 0: calibrated to `seconds`
  int repeats = 5;
  std::uint64_t trials = 8;
  std::vector<double> lambdas = {0.125, 0.25, 0.5, 1, 2, 4, 8, 16};
  double grid_n = 16777216.0;
  int top_k = 8;
  std::uint64_t seed = 1;
  std::vector<int> threads = {0};      // CPU thread counts to measure (0: all)
  std::vector<std::string> baselines;  // NAME=COMMAND
  double baseline_seconds = 1.5;
  int baseline_repeats = 3;
  bool limits = true;
  bool materialize = false;
  std::string jsonl;
};

double seconds_since(Clock::time_point t0);
double median(std::vector<double> v);
std::string si(double x);   // 1.23M
std::string cpu_model();    // /proc/cpuinfo's model name

// One JSON object per line to --jsonl (nothing when no file was given).
void open_jsonl(const std::string& path);
void emit(const json& j);

// Grows `work` (doubling from `start`) until one run takes >= 0.1 s, then scales it to about `target` s.
std::uint64_t calibrate(const std::function<double(std::uint64_t)>& run, std::uint64_t start, double target,
                        std::uint64_t granule);

struct Timing {
  std::vector<double> seconds;
  double median_s = 0, min_s = 0, max_s = 0;
};
// A warm-up run, then `repeats` timed runs.
Timing repeat(const std::function<double()>& run, int repeats);

// What is measured: an engine (the CUDA one, or the CPU one at a thread count).
struct Contender {
  std::string backend;  // "cpu" | "cuda"
  int threads;          // CPU threads (0 for cuda)
  std::string label;    // "cpu 2t", "cuda"
  std::string device;
  attnlim::cuda::LaunchOptions launch{};  // cuda: the variant's launch options (cuda_variants, bench_main.cpp)
};

// Seconds of one run of `trials` trials of every key of `spec` on the contender's engine (CUDA: timed with
// CUDA events after its own warm-up, by cuda_bench.hpp).
double run_once(const Contender& who, const attnlim::RunSpec& spec, std::uint64_t trials);

}  // namespace bench
