// attnlim_bench: keys/s of every backend and sampler tier, side by side with the baselines (NumPy,
// PyTorch) run in the same invocation, and as a fraction of the random-number limit of the machine.
//
//   attnlim_bench [--d 3,16,128] [--tier full,projected] [--backend cpu,cuda] [--seconds 1.5]
//                 [--repeats 5] [--baseline numpy='/usr/bin/python3 bench/baseline_numpy.py'] [--jsonl F]
//
// Every timed configuration runs once as a warm-up, then --repeats times; the median is reported.
// n is calibrated per configuration so that one run lasts about --seconds. All runs and baselines at one
// d share one absolute beta grid: lambdas x critical_scale(d, --grid-n) (THEORY.md section 2), so the
// share of keys whose exp() underflows (and is skipped) is the same for every contender.
//
// The limit of a tier is the rate of the random numbers its keys need, measured on the same device with
// the core's own Philox and Box-Muller (CPU: OpenMP over the same threads; CUDA: cuda_bench.hpp):
//   full:      ceil(d/4) Philox blocks -> 4 normals each           keys/s = normal_blocks/s / ceil(d/4)
//   projected: one block -> g_1 plus >= 1 Marsaglia-Tsang attempt (one block, one Box-Muller pair each):
//              at least 2 Philox blocks + 2 Box-Muller pairs        keys/s = 1 / (1/philox/s + 1/normal_blocks/s)
// The full tier no longer turns every pair into normals (sample_full_key sums the middle pairs' squared
// radii, which needs a log but no angle), so it can pass its normal-generation limit. Each row also
// reports the Philox floor, which no tier can pass: keys/s = philox_blocks/s / (Philox blocks per key).
// Output: a readable table on stdout, and one JSON object per line in --jsonl (kinds: machine, limit,
// baseline, attnlim, materialize) for scripts (bench/run.sh, bench/gpu_suite.sh).
#include <omp.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "attnlim/backend_cpu.hpp"
#include "attnlim/batch_sampler.hpp"
#include "attnlim/cuda_backend.hpp"
#include "attnlim/errors.hpp"
#include "attnlim/philox.hpp"
#include "attnlim/sampler.hpp"
#include "attnlim/simulate.hpp"
#include "attnlim/theory.hpp"

#if defined(ATTNLIM_WITH_CUDA)
#include "attnlim/cuda_bench.hpp"
#endif

using attnlim::SamplerTier;
using attnlim::SimConfig;
using json = nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

struct Options {
  std::vector<int> dims = {3, 16, 128};
  std::vector<std::string> tiers = {"full", "projected"};
  std::vector<std::string> backends;  // empty: cpu, plus cuda when available
  double seconds = 1.5;
  int repeats = 5;
  std::uint64_t trials = 8;
  std::vector<double> lambdas = {0.125, 0.25, 0.5, 1, 2, 4, 8, 16};
  double grid_n = 16777216.0;
  int top_k = 8;
  std::uint64_t seed = 1;
  std::vector<int> threads = {0};  // CPU thread counts to measure (0: all)
  std::vector<std::string> baselines;  // NAME=COMMAND
  double baseline_seconds = 1.5;
  int baseline_repeats = 3;
  bool limits = true;
  bool materialize = false;
  std::string jsonl;
};

// ---- output ---------------------------------------------------------------------------------------

std::unique_ptr<std::ofstream> jsonl_out;
void emit(const json& j) {
  if (jsonl_out) {
    *jsonl_out << j.dump() << '\n';
    jsonl_out->flush();
  }
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

std::string si(double x) {
  const char* units[] = {"", "k", "M", "G", "T"};
  int u = 0;
  while (std::abs(x) >= 1000.0 && u < 4) {
    x /= 1000.0;
    ++u;
  }
  return fmt::format("{:.3g}{}", x, units[u]);
}

// ---- calibrated timing -----------------------------------------------------------------------------

// Grows `work` (doubling from `start`) until one run takes >= 0.1 s, then scales it to about `target` s.
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

struct Timing {
  std::vector<double> seconds;
  double median_s = 0, min_s = 0, max_s = 0;
};
Timing repeat(const std::function<double()>& run, int repeats) {
  run();  // warm-up
  Timing t;
  for (int r = 0; r < repeats; ++r) t.seconds.push_back(run());
  t.median_s = median(t.seconds);
  t.min_s = *std::min_element(t.seconds.begin(), t.seconds.end());
  t.max_s = *std::max_element(t.seconds.begin(), t.seconds.end());
  return t;
}

// ---- the CPU random-number limit -------------------------------------------------------------------

// Seconds to draw `blocks` Philox blocks' worth of keys through the CPU backend's AVX2 batch path,
// 8 keys per call of `batch(first, out)` (out: kValuesPerKey values per key; OpenMP over `threads`).
template <int kValuesPerKey, class Batch>
double cpu_batch_seconds(std::uint64_t blocks, int threads, Batch batch) {
  constexpr int kOut = kValuesPerKey * attnlim::cpu::kBatchKeys;
  double sum = 0;
  const auto t0 = Clock::now();
  const std::int64_t batches = static_cast<std::int64_t>(blocks / attnlim::cpu::kBatchKeys) + 1;
#pragma omp parallel for reduction(+ : sum) num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < batches; ++i) {
    double out[kOut];
    batch(static_cast<std::uint64_t>(i) * attnlim::cpu::kBatchKeys, out);
    for (double x : out) sum += x;
  }
  const double s = seconds_since(t0);
  if (sum == 1.2345) std::fputs("", stderr);  // keep the result alive
  return s;
}

// Philox blocks/s as the CPU backend draws them: philox_batch (AVX2 on 8 counters where the CPU has
// it, else the core's scalar philox4x32_10), words folded by XOR; OpenMP over `threads`.
double cpu_philox_seconds(std::uint64_t blocks, int threads, std::uint64_t seed) {
  std::uint32_t fold = 0;
  const std::int64_t batches = static_cast<std::int64_t>(blocks / attnlim::cpu::kBatchKeys) + 1;
  const auto t0 = Clock::now();
#pragma omp parallel for reduction(^ : fold) num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < batches; ++i) {
    std::uint32_t words[4 * attnlim::cpu::kBatchKeys];
    attnlim::cpu::philox_batch(seed, 0u, static_cast<std::uint64_t>(i) * attnlim::cpu::kBatchKeys, 0u, words);
    for (std::uint32_t w : words) fold ^= w;
  }
  const double s = seconds_since(t0);
  if (fold == 0x12345678u) std::fputs("", stderr);  // keep the result alive
  return s;
}

// Blocks/s of Philox block -> 4 Box-Muller normals, the way the CPU backend makes them: its AVX2 batch
// path where the CPU has it (normals_batch: all four normals of one block for 8 keys), else the core's
// scalar normals4.
double cpu_normal_seconds(std::uint64_t blocks, int threads, std::uint64_t seed) {
  if (attnlim::cpu::batch_simd_available())
    return cpu_batch_seconds<4>(blocks, threads, [seed](std::uint64_t first, double* z) {
      attnlim::cpu::normals_batch(seed, 0u, first, 0u, z);
    });
  double sum = 0;
  const auto t0 = Clock::now();
#pragma omp parallel for reduction(+ : sum) num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(blocks); ++i) {
    double z[4];
    attnlim::normals4(attnlim::key_block(seed, 0u, static_cast<std::uint64_t>(i), 0u), z);
    sum += z[0] + z[1] + z[2] + z[3];
  }
  const double s = seconds_since(t0);
  if (sum == 1.2345) std::fputs("", stderr);
  return s;
}

// Mean Philox blocks per projected key (1 + Marsaglia-Tsang attempts): the same loop as
// sample_projected_key, counting attempts, over `keys` keys.
double projected_blocks_per_key(int d, std::uint64_t keys, std::uint64_t seed) {
  if (d == 2) return 1.0;
  const double dd = 0.5 * (d - 1) - 1.0 / 3.0, cc = 1.0 / std::sqrt(9.0 * dd);
  std::uint64_t blocks = 0;
  for (std::uint64_t key = 0; key < keys; ++key) {
    ++blocks;
    for (std::uint32_t draw = 1;; ++draw) {
      ++blocks;
      const attnlim::Philox4 b = attnlim::key_block(seed, 0u, key, draw);
      double x, unused;
      attnlim::box_muller(b.v[0], b.v[1], x, unused);
      const double t = 1.0 + cc * x;
      if (t <= 0.0) continue;
      const double v = t * t * t;
      if (std::log(attnlim::uniform_open(b.v[2])) < 0.5 * x * x + dd - dd * v + dd * std::log(v)) break;
    }
  }
  return static_cast<double>(blocks) / static_cast<double>(keys);
}

struct Limits {
  std::string device;
  double philox_blocks_per_s = 0, normal_blocks_per_s = 0;
  bool measured = false;
  double keys_per_s(SamplerTier tier, int d) const {
    if (!measured) return 0;
    if (tier == SamplerTier::full) return normal_blocks_per_s / attnlim::full_key_blocks(d);
    // Projected (sampler.hpp): d = 2 one normal block; d = 3 one Philox block (E = 2V); d = 4..7 a
    // normal block plus, for d >= 5, a Philox block of exponentials; d > 7 a normal block plus about
    // one Marsaglia-Tsang attempt (a Box-Muller block each).
    if (d == 2) return normal_blocks_per_s;
    if (d == 3) return philox_blocks_per_s;
    if (d <= attnlim::kProjectedExponentialMaxD)
      return 1.0 / (1.0 / normal_blocks_per_s + (d >= 5 ? 1.0 / philox_blocks_per_s : 0.0));
    return normal_blocks_per_s / 2.0;
  }
  // Philox blocks/s over the blocks one key consumes (projected d > 7: measured mean, 1 + attempts).
  double philox_keys_per_s(SamplerTier tier, int d, double projected_blocks) const {
    if (!measured) return 0;
    if (tier == SamplerTier::full) return philox_blocks_per_s / attnlim::full_key_blocks(d);
    if (d <= 4) return philox_blocks_per_s;
    if (d <= attnlim::kProjectedExponentialMaxD) return philox_blocks_per_s / 2.0;
    return philox_blocks_per_s / projected_blocks;
  }
};

// ---- one attnlim configuration -----------------------------------------------------------------------

SimConfig make_config(const Options& o, int d, SamplerTier tier, const std::vector<double>& betas) {
  SimConfig c;
  c.d = d;
  c.trials = o.trials;
  c.betas = betas;
  c.top_k = o.top_k;
  c.seed = o.seed;
  c.sampler = tier;
  return c;
}

double run_once(const SimConfig& c, const std::string& backend) {
#if defined(ATTNLIM_WITH_CUDA)
  if (backend == "cuda") return attnlim::cuda::fused_seconds(c);  // CUDA events, after its own warm-up
#endif
  const auto t0 = Clock::now();
  attnlim::run_backend(c, backend == "cuda" ? attnlim::BackendChoice::cuda : attnlim::BackendChoice::cpu, nullptr,
                       nullptr);
  return seconds_since(t0);
}

// ---- baselines: external commands printing one JSON line -------------------------------------------

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

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"attnlim_bench: keys/s of attnlim's backends and tiers against baselines and the RNG limit"};
  app.add_option("--d", o.dims, "dimensions")->delimiter(',');
  app.add_option("--tier", o.tiers, "sampler tiers: full, projected")->delimiter(',');
  app.add_option("--backend", o.backends, "cpu, cuda (default: cpu, and cuda when a device is present)")
      ->delimiter(',');
  app.add_option("--seconds", o.seconds, "target seconds of one timed run");
  app.add_option("--repeats", o.repeats, "timed runs after the warm-up (median reported)");
  app.add_option("--trials", o.trials, "trials per run");
  app.add_option("--lambdas", o.lambdas, "critical-scale beta grid (lambda)")->delimiter(',');
  app.add_option("--grid-n", o.grid_n, "n at which the lambdas are turned into absolute betas (fixed per d)");
  app.add_option("--top-k", o.top_k, "nearest keys kept per trial");
  app.add_option("--seed", o.seed, "Philox seed");
  app.add_option("--threads", o.threads, "CPU thread counts, each measured (0: all), e.g. 0,1")->delimiter(',');
  app.add_option("--baseline", o.baselines,
                 "NAME=COMMAND run per d with --d --trials --top-k --betas --n auto --seconds --repeats appended; "
                 "must print one JSON line with keys_per_second");
  app.add_option("--baseline-seconds", o.baseline_seconds, "target seconds of one timed baseline run");
  app.add_option("--baseline-repeats", o.baseline_repeats, "timed baseline runs (median)");
  app.add_flag("!--no-limits", o.limits, "skip measuring the random-number limits");
  app.add_flag("--materialize", o.materialize, "also time the CUDA materialise-then-reduce path (cuRAND host API)");
  app.add_option("--jsonl", o.jsonl, "write one JSON object per measurement to this file");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!o.jsonl.empty()) {
      jsonl_out = std::make_unique<std::ofstream>(o.jsonl);
      if (!*jsonl_out) throw attnlim::InputError("--jsonl: cannot write " + o.jsonl);
    }
    std::string why;
    const bool gpu = attnlim::cuda::available(&why);
    if (o.backends.empty()) {
      o.backends = {"cpu"};
      if (gpu) o.backends.push_back("cuda");
    }
    for (const std::string& backend : o.backends) {
      if (backend != "cpu" && backend != "cuda") throw attnlim::InputError("--backend: unknown backend '" + backend + "'");
      // Asked for by name: a benchmark that silently measures nothing would read as a pass.
      if (backend == "cuda" && !gpu) throw std::runtime_error("--backend cuda requested but " + why);
    }
    for (const std::string& tier : o.tiers)
      if (tier != "full" && tier != "projected") throw attnlim::InputError("--tier: unknown tier '" + tier + "'");
    const int threads = omp_get_max_threads();
    // What is measured: the CUDA backend, and the CPU backend at each requested thread count.
    struct Contender {
      std::string backend;
      int threads;  // CPU threads (0 for cuda)
      std::string label;
    };
    std::vector<Contender> contenders;
    for (const std::string& backend : o.backends) {
      if (backend == "cuda") {
        contenders.push_back({backend, 0, backend});
        continue;
      }
      for (int t : o.threads) {
        const int used = t > 0 ? t : threads;
        contenders.push_back({backend, used, fmt::format("cpu {}t", used)});
      }
    }
    json machine = {{"kind", "machine"}, {"cpu", cpu_model()}, {"threads", threads},
                    {"gpu", gpu ? attnlim::cuda::device_name() : std::string("none (") + why + ")"}};
    emit(machine);
    fmt::print("machine: {} ({} threads); GPU: {}\n", machine["cpu"].get<std::string>(), threads,
               machine["gpu"].get<std::string>());
    fmt::print("grid: lambdas [{}] x critical_scale(d, {:.4g}); top-k {}; {} trials; median of {} runs after a "
               "warm-up, each ~{} s\n\n",
               fmt::join(o.lambdas, " "), o.grid_n, o.top_k, o.trials, o.repeats, o.seconds);

    // Limits per backend.
    std::map<std::string, Limits> limits;
    for (const Contender& who : contenders) {
      const std::string& backend = who.backend;
      Limits lim;
      if (!o.limits) {
        limits[who.label] = lim;
        continue;
      }
      if (backend == "cpu") {
        lim.device = fmt::format("{} ({} threads)", machine["cpu"].get<std::string>(), who.threads);
        const auto philox = [&](std::uint64_t n) { return cpu_philox_seconds(n, who.threads, o.seed); };
        const auto normal = [&](std::uint64_t n) { return cpu_normal_seconds(n, who.threads, o.seed); };
        const std::uint64_t np = calibrate(philox, 1 << 20, 0.5, 1 << 16);
        const std::uint64_t nn = calibrate(normal, 1 << 18, 0.5, 1 << 16);
        lim.philox_blocks_per_s = np / repeat([&] { return philox(np); }, 3).median_s;
        lim.normal_blocks_per_s = nn / repeat([&] { return normal(nn); }, 3).median_s;
        lim.measured = true;
      } else if (backend == "cuda") {
#if defined(ATTNLIM_WITH_CUDA)
        if (gpu) {
          lim.device = attnlim::cuda::device_name();
          const auto philox = [&](std::uint64_t n) { return attnlim::cuda::philox_rate_seconds(n, o.seed); };
          const auto normal = [&](std::uint64_t n) { return attnlim::cuda::normal_rate_seconds(4 * n, o.seed); };
          const std::uint64_t np = calibrate(philox, 1 << 24, 0.5, 1 << 20);
          const std::uint64_t nn = calibrate(normal, 1 << 22, 0.5, 1 << 20);
          lim.philox_blocks_per_s = np / repeat([&] { return philox(np); }, 3).median_s;
          lim.normal_blocks_per_s = nn / repeat([&] { return normal(nn); }, 3).median_s;
          lim.measured = true;
        }
#endif
      }
      limits[who.label] = lim;
      if (lim.measured) {
        emit({{"kind", "limit"}, {"backend", who.label}, {"device", lim.device},
              {"philox_blocks_per_s", lim.philox_blocks_per_s}, {"normal_blocks_per_s", lim.normal_blocks_per_s},
              {"normals_per_s", 4 * lim.normal_blocks_per_s}});
        fmt::print("{} limit on {}: {} Philox blocks/s, {} normals/s ({} blocks of 4)\n", who.label, lim.device,
                   si(lim.philox_blocks_per_s), si(4 * lim.normal_blocks_per_s), si(lim.normal_blocks_per_s));
      }
    }

    struct Row {
      std::string backend, tier;
      int d;
      std::uint64_t n;
      Timing t;
      double keys_per_s, limit, philox_limit;
      std::map<std::string, double> ratio;
    };
    std::vector<Row> rows;
    std::vector<std::string> baseline_names;

    for (int d : o.dims) {
      std::vector<double> betas;
      for (double l : o.lambdas) betas.push_back(l * attnlim::theory::critical_scale(d, o.grid_n));

      std::map<std::string, double> baseline_rate;
      for (const std::string& spec : o.baselines) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos) throw attnlim::InputError("--baseline: expected NAME=COMMAND (got '" + spec + "')");
        const std::string name = spec.substr(0, eq);
        if (std::find(baseline_names.begin(), baseline_names.end(), name) == baseline_names.end())
          baseline_names.push_back(name);
        json j = run_baseline(name, spec.substr(eq + 1), d, betas, o);
        if (j.is_null()) continue;
        baseline_rate[name] = j["keys_per_second"].get<double>();
        emit(j);
        fmt::print("baseline {:>8} d={:<4} {:>8} keys/s  (n={}, {} trials, {:.2f} s)\n", name, d,
                   si(baseline_rate[name]), j.value("n", 0ULL), j.value("trials", 0ULL), j.value("seconds", 0.0));
      }

      for (const Contender& who : contenders) {
        const std::string& backend = who.backend;
        for (const std::string& tier_name : o.tiers) {
          const SamplerTier tier = tier_name == "full" ? SamplerTier::full : SamplerTier::projected;
          SimConfig c = make_config(o, d, tier, betas);
          c.threads = who.threads;
          const std::uint64_t granule = backend == "cpu" ? c.chunk_keys : (std::uint64_t{1} << 20);
          c.n = calibrate(
              [&](std::uint64_t n) {
                SimConfig p = c;
                p.n = n;
                return run_once(p, backend);
              },
              granule, o.seconds, granule);
          attnlim::validate(c);
          Row row{who.label, tier_name, d, c.n, repeat([&] { return run_once(c, backend); }, o.repeats), 0, 0, 0, {}};
          const double keys = static_cast<double>(c.n) * static_cast<double>(c.trials);
          row.keys_per_s = keys / row.t.median_s;
          row.limit = limits[who.label].keys_per_s(tier, d);
          const double projected_blocks =
              tier == SamplerTier::projected && d > attnlim::kProjectedExponentialMaxD
                  ? projected_blocks_per_key(d, 20000, o.seed)
                  : 0.0;
          row.philox_limit = limits[who.label].philox_keys_per_s(tier, d, projected_blocks);
          json j = {{"kind", "attnlim"},
                    {"backend", who.label},
                    {"threads", who.threads},
                    {"device", backend == "cpu" ? fmt::format("{} ({} threads)", machine["cpu"].get<std::string>(),
                                                              who.threads)
                                                : attnlim::cuda::device_name()},
                    {"d", d},
                    {"tier", tier_name},
                    {"n", c.n},
                    {"trials", c.trials},
                    {"betas", betas},
                    {"top_k", c.top_k},
                    {"repeats", o.repeats},
                    {"seconds", row.t.seconds},
                    {"seconds_median", row.t.median_s},
                    {"keys_per_second", row.keys_per_s},
                    {"keys_per_second_min", keys / row.t.max_s},
                    {"keys_per_second_max", keys / row.t.min_s}};
          if (row.limit > 0) {
            j["limit_keys_per_second"] = row.limit;
            j["fraction_of_limit"] = row.keys_per_s / row.limit;
          }
          if (row.philox_limit > 0) {
            j["philox_limit_keys_per_second"] = row.philox_limit;
            j["fraction_of_philox_limit"] = row.keys_per_s / row.philox_limit;
          }
          if (projected_blocks > 0) j["projected_blocks_per_key"] = projected_blocks;
          for (const auto& [name, rate] : baseline_rate) {
            row.ratio[name] = row.keys_per_s / rate;
            j["baseline_keys_per_second"][name] = rate;
            j["ratio"][name] = row.ratio[name];
          }
          emit(j);
          rows.push_back(row);
          fmt::print("{:>7} d={:<4} {:<9} {:>8} keys/s  (n={}, runs {:.2f}..{:.2f} s)\n", who.label, d, tier_name,
                     si(row.keys_per_s), c.n, row.t.min_s, row.t.max_s);
        }
      }

#if defined(ATTNLIM_WITH_CUDA) && defined(ATTNLIM_WITH_CURAND_HOST)
      if (o.materialize && gpu) {
        SimConfig c = make_config(o, d, SamplerTier::full, betas);
        const auto once = [&](std::uint64_t n) {
          SimConfig p = c;
          p.n = n;
          return attnlim::cuda::materialize_then_reduce(p).seconds;
        };
        c.n = calibrate(once, std::uint64_t{1} << 20, o.seconds, std::uint64_t{1} << 20);
        const Timing t = repeat([&] { return once(c.n); }, std::max(1, o.repeats / 2));
        const double rate = static_cast<double>(c.n) * c.trials / t.median_s;
        double fused = 0;
        for (const Row& r : rows)
          if (r.backend == "cuda" && r.d == d && r.tier == "full") fused = r.keys_per_s;
        emit({{"kind", "materialize"}, {"backend", "cuda"}, {"device", attnlim::cuda::device_name()}, {"d", d},
              {"n", c.n}, {"trials", c.trials}, {"seconds", t.seconds}, {"keys_per_second", rate},
              {"fused_full_keys_per_second", fused}, {"fused_over_materialize", fused > 0 ? fused / rate : 0.0}});
        fmt::print("cuda d={:<4} materialise-then-reduce {:>8} keys/s (fused full / materialise = {:.3g})\n", d,
                   si(rate), fused > 0 ? fused / rate : 0.0);
      }
#else
      if (o.materialize && d == o.dims.front())
        fmt::print("materialise-then-reduce: not compiled (needs the CUDA backend with cuRAND's host library)\n");
#endif
    }

    // The readable table.
    fmt::print("\n{:<7} {:>4} {:<9} {:>13} {:>14} {:>9} {:>9}", "backend", "d", "tier", "n", "keys/s", "of limit",
               "of Philox");
    for (const auto& name : baseline_names) fmt::print(" {:>12}", "x " + name);
    fmt::print("\n");
    for (const Row& r : rows) {
      fmt::print("{:<7} {:>4} {:<9} {:>13} {:>14} {:>9} {:>9}", r.backend, r.d, r.tier, r.n, si(r.keys_per_s),
                 r.limit > 0 ? fmt::format("{:.2f}", r.keys_per_s / r.limit) : std::string("-"),
                 r.philox_limit > 0 ? fmt::format("{:.2f}", r.keys_per_s / r.philox_limit) : std::string("-"));
      for (const auto& name : baseline_names) {
        const auto it = r.ratio.find(name);
        fmt::print(" {:>12}", it == r.ratio.end() ? std::string("-") : fmt::format("{:.3g}", it->second));
      }
      fmt::print("\n");
    }
  } catch (const attnlim::InputError& e) {
    fmt::print(stderr, "attnlim_bench: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "attnlim_bench: failed: {}\n", e.what());
    return 1;
  }
  return 0;
}
