// attnlim_bench: keys/s of every engine and sampler tier, side by side with the baselines (NumPy,
// PyTorch) run in the same invocation, and as a fraction of the random-number limit of the machine.
//
//   attnlim_bench [--d 3,16,128] [--tier full,projected]
//                 [--backend cpu,cuda,cuda-plain,cuda-warp,cuda-exact-keys,cuda-merge] [--seconds 1.5 | --n N]
//                 [--repeats 5] [--baseline numpy='/usr/bin/python3 bench/baseline_numpy.py'] [--jsonl F]
//                 [--keys uniform 'vmf:kappa=2,angle=1.5' ...]
//
// --keys measures each key model (default: uniform only); a tier the model cannot use (projected for a
// model not symmetric about q) is reported as not measured. The limits and baselines are uniform keys';
// other models' rows carry neither. cuda-plain is the fused kernel without its two exact shortcuts
// (cuda::LaunchOptions::shortcuts), cuda-warp the kernel with its per-beta sums spread over a warp
// (cuda::LaunchOptions::warp_sums), cuda-exact-keys the kernel without its key models' device accelerators
// (cuda::LaunchOptions::accelerate_keys: uniform full-tier keys with one log per product of uniforms), cuda-merge
// the kernel with the candidate sort and merge kernel after each launch instead of its in-kernel fold
// (cuda::LaunchOptions::fold_in_kernel), so that each change is measured side by side in one run.
// Every timed configuration runs once as a warm-up, then --repeats times; the median is reported.
// n is calibrated per configuration so that one run lasts about --seconds, or fixed by --n (attnlim's rows; the
// baselines still calibrate theirs), e.g. a moderate n over many trials. All runs and baselines at one
// d share one absolute beta grid: lambdas x critical_scale(d, --grid-n) (THEORY.md section 2), so the
// share of keys whose exp() underflows (and is skipped) is the same for every contender.
// The limits and the Philox floor: limits.hpp. Output: a readable table on stdout, and one JSON object per
// line in --jsonl (kinds: machine, limit, baseline, attnlim, materialize) for scripts (bench/run.sh,
// bench/gpu_stage2.sh).
#include <omp.h>

#include <algorithm>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/theory/local_law.hpp"
#include "baselines.hpp"
#include "bench.hpp"
#include "limits.hpp"
#if defined(ATTNLIM_WITH_CUDA)
#include "attnlim/engine/cuda_bench.hpp"
#endif

namespace bench {
namespace {

using attnlim::SamplerTier;

struct Row {
  std::string backend, keys, tier;
  int d;
  std::uint64_t n;
  Timing t;
  double keys_per_s, limit, philox_limit;
  std::map<std::string, double> ratio;
};

attnlim::RunSpec make_spec(const Options& o, const attnlim::AnyKeyModel& keys, SamplerTier tier,
                           const std::vector<double>& betas, std::uint64_t n) {
  attnlim::RunSpec s;
  s.keys = keys;
  s.tier = tier;
  s.betas = betas;
  s.top_k = o.top_k;
  s.seed = o.seed;
  s.n = attnlim::KeyCount::exact(n);
  return s;
}

std::vector<Contender> contenders_of(Options& o, bool gpu, const std::string& why) {
  if (o.backends.empty()) {
    o.backends = {"cpu"};
    if (gpu) o.backends.push_back("cuda");
  }
  std::vector<Contender> out;
  // The CUDA variants: each changes one launch option of the default kernel.
  using Launch = attnlim::cuda::LaunchOptions;
  const std::map<std::string, void (*)(Launch&)> cuda_variants = {
      {"cuda", [](Launch&) {}},
      {"cuda-plain", [](Launch& l) { l.shortcuts = false; }},             // without the exact shortcuts
      {"cuda-warp", [](Launch& l) { l.warp_sums = true; }},               // sums over a warp's lanes
      {"cuda-exact-keys", [](Launch& l) { l.accelerate_keys = false; }},  // every key from the model's sampler
      {"cuda-merge", [](Launch& l) { l.fold_in_kernel = false; }},        // sort and merge kernels per launch
  };
  for (const std::string& backend : o.backends) {
    const auto variant = cuda_variants.find(backend);
    if (backend != "cpu" && variant == cuda_variants.end())
      throw attnlim::InputError("backend", "unknown backend '" + backend +
                                               "' (cpu, cuda, cuda-plain, cuda-warp, cuda-exact-keys, cuda-merge)");
    // Asked for by name: a benchmark that silently measures nothing would read as a pass.
    if (backend != "cpu" && !gpu) throw std::runtime_error("--backend " + backend + " requested but " + why);
    if (backend != "cpu") {
      Contender c{"cuda", 0, backend, attnlim::cuda::device_name()};
      variant->second(c.launch);
      out.push_back(c);
      continue;
    }
    for (int t : o.threads) {
      const int used = t > 0 ? t : omp_get_max_threads();
      out.push_back({backend, used, fmt::format("cpu {}t", used), fmt::format("{} ({} threads)", cpu_model(), used)});
    }
  }
  return out;
}

// One timed attnlim configuration: n calibrated to --seconds, then --repeats runs.
Row measure(const Options& o, const Contender& who, const Limits& limits, const attnlim::AnyKeyModel& keys,
            SamplerTier tier, const std::string& tier_name, const std::vector<double>& betas,
            const std::map<std::string, double>& baselines) {
  const int d = attnlim::dimension(keys);
  const bool uniform = std::holds_alternative<attnlim::UniformKeys>(keys);
  const std::uint64_t granule = who.backend == "cpu" ? attnlim::EngineOptions{}.chunk_keys : (std::uint64_t{1} << 20);
  const std::uint64_t n =
      o.n ? o.n
          : calibrate([&](std::uint64_t count) { return run_once(who, make_spec(o, keys, tier, betas, count), o.trials); },
                      granule, o.seconds, granule);
  const attnlim::RunSpec spec = make_spec(o, keys, tier, betas, n);
  Row row{who.label, attnlim::describe(keys), tier_name, d, n,
          repeat([&] { return run_once(who, spec, o.trials); }, o.repeats), 0, 0, 0, {}};
  const double drawn = static_cast<double>(n) * static_cast<double>(o.trials);
  row.keys_per_s = drawn / row.t.median_s;
  // The limits count uniform keys' random numbers per key; other models draw a different amount.
  row.limit = uniform ? limits.keys_per_s(tier, d) : 0.0;
  const double projected_blocks =
      uniform && tier == SamplerTier::projected && d > attnlim::kProjectedExponentialMaxD
          ? projected_blocks_per_key(d, 20000, o.seed)
          : 0.0;
  row.philox_limit = uniform ? limits.philox_keys_per_s(tier, d, projected_blocks) : 0.0;
  json j = {{"kind", "attnlim"},   {"backend", who.label},     {"threads", who.threads},
            {"device", who.device}, {"d", d},                  {"keys", row.keys},
            {"tier", tier_name},
            {"n", n},              {"trials", o.trials},      {"betas", betas},
            {"top_k", o.top_k},    {"repeats", o.repeats},    {"seconds", row.t.seconds},
            {"seconds_median", row.t.median_s}, {"keys_per_second", row.keys_per_s},
            {"keys_per_second_min", drawn / row.t.max_s}, {"keys_per_second_max", drawn / row.t.min_s}};
  if (row.limit > 0) {
    j["limit_keys_per_second"] = row.limit;
    j["fraction_of_limit"] = row.keys_per_s / row.limit;
  }
  if (row.philox_limit > 0) {
    j["philox_limit_keys_per_second"] = row.philox_limit;
    j["fraction_of_philox_limit"] = row.keys_per_s / row.philox_limit;
  }
  if (projected_blocks > 0) j["projected_blocks_per_key"] = projected_blocks;
  // The baselines draw uniform keys: a ratio against them means something only for uniform keys.
  for (const auto& [name, rate] : uniform ? baselines : std::map<std::string, double>{}) {
    row.ratio[name] = row.keys_per_s / rate;
    j["baseline_keys_per_second"][name] = rate;
    j["ratio"][name] = row.ratio[name];
  }
  emit(j);
  fmt::print("{:>10} d={:<4} {:<26} {:<9} {:>8} keys/s  (n={}, runs {:.2f}..{:.2f} s)\n", who.label, d, row.keys,
             tier_name, si(row.keys_per_s), n, row.t.min_s, row.t.max_s);
  return row;
}

// The CUDA materialise-then-reduce path at d, next to the fused full tier's rate.
void measure_materialize(const Options& o, int d, const std::vector<double>& betas, const std::vector<Row>& rows) {
#if defined(ATTNLIM_WITH_CUDA)
  std::string why;
  if (!attnlim::cuda::curand_host_available(&why)) {
    if (d == o.dims.front()) fmt::print("materialise-then-reduce: not measured ({})\n", why);
    return;
  }
  const auto once = [&](std::uint64_t n) {
    return attnlim::cuda::materialize_then_reduce(make_spec(o, attnlim::UniformKeys{d}, SamplerTier::full, betas, n),
                                                  o.trials)
        .seconds;
  };
  const std::uint64_t n = calibrate(once, std::uint64_t{1} << 20, o.seconds, std::uint64_t{1} << 20);
  const Timing t = repeat([&] { return once(n); }, std::max(1, o.repeats / 2));
  const double rate = static_cast<double>(n) * o.trials / t.median_s;
  double fused = 0;
  for (const Row& r : rows)
    if (r.backend == "cuda" && r.d == d && r.keys == "uniform" && r.tier == "full") fused = r.keys_per_s;
  emit({{"kind", "materialize"}, {"backend", "cuda"}, {"device", attnlim::cuda::device_name()}, {"d", d}, {"n", n},
        {"trials", o.trials}, {"seconds", t.seconds}, {"keys_per_second", rate}, {"fused_full_keys_per_second", fused},
        {"fused_over_materialize", fused > 0 ? fused / rate : 0.0}});
  fmt::print("cuda d={:<4} materialise-then-reduce {:>8} keys/s (fused full / materialise = {:.3g})\n", d, si(rate),
             fused > 0 ? fused / rate : 0.0);
#else
  (void)betas, (void)rows;
  if (d == o.dims.front())
    fmt::print("materialise-then-reduce: not compiled (needs the CUDA backend)\n");
#endif
}

void print_table(const std::vector<Row>& rows, const std::vector<std::string>& baseline_names) {
  fmt::print("\n{:<10} {:>4} {:<26} {:<9} {:>13} {:>14} {:>9} {:>9}", "backend", "d", "keys", "tier", "n", "keys/s",
             "of limit", "of Philox");
  for (const auto& name : baseline_names) fmt::print(" {:>12}", "x " + name);
  fmt::print("\n");
  for (const Row& r : rows) {
    fmt::print("{:<10} {:>4} {:<26} {:<9} {:>13} {:>14} {:>9} {:>9}", r.backend, r.d, r.keys, r.tier, r.n,
               si(r.keys_per_s),
               r.limit > 0 ? fmt::format("{:.2f}", r.keys_per_s / r.limit) : std::string("-"),
               r.philox_limit > 0 ? fmt::format("{:.2f}", r.keys_per_s / r.philox_limit) : std::string("-"));
    for (const auto& name : baseline_names) {
      const auto it = r.ratio.find(name);
      fmt::print(" {:>12}", it == r.ratio.end() ? std::string("-") : fmt::format("{:.3g}", it->second));
    }
    fmt::print("\n");
  }
}

// --keys at d: every SPEC parsed (a bad one is refused before anything is timed).
std::vector<attnlim::AnyKeyModel> models_at(const Options& o, int d) {
  std::vector<attnlim::AnyKeyModel> out;
  for (const std::string& spec : o.keys) out.push_back(attnlim::parse_key_model(spec, d));
  return out;
}

void run(Options& o) {
  open_jsonl(o.jsonl);
  std::string why;
  const bool gpu = attnlim::cuda::available(&why);
  for (const std::string& tier : o.tiers)
    if (tier != "full" && tier != "projected") throw attnlim::InputError("tier", "unknown tier '" + tier + "'");
  for (int d : o.dims) (void)models_at(o, d);
  const std::vector<Contender> contenders = contenders_of(o, gpu, why);
  const int threads = omp_get_max_threads();
  const json machine = {{"kind", "machine"}, {"cpu", cpu_model()}, {"threads", threads},
                        {"gpu", gpu ? attnlim::cuda::device_name() : std::string("none (") + why + ")"}};
  emit(machine);
  fmt::print("machine: {} ({} threads); GPU: {}\n", machine["cpu"].get<std::string>(), threads,
             machine["gpu"].get<std::string>());
  fmt::print("grid: lambdas [{}] x critical_scale(d, {:.4g}); top-k {}; {} trials; median of {} runs after a "
             "warm-up, each ~{} s\n\n",
             fmt::join(o.lambdas, " "), o.grid_n, o.top_k, o.trials, o.repeats, o.seconds);

  std::map<std::string, Limits> limits;
  for (const Contender& who : contenders) {
    // The CUDA variants (cuda-plain, cuda-warp, ...) run on the same device as cuda: one measurement of its limits
    // serves all.
    const auto same_device = std::find_if(contenders.begin(), contenders.end(), [&](const Contender& other) {
      return &other != &who && other.backend == "cuda" && who.backend == "cuda" && limits.count(other.label);
    });
    if (same_device != contenders.end()) {
      limits[who.label] = limits[same_device->label];
      continue;
    }
    limits[who.label] = o.limits ? measure_limits(who, o.seed) : Limits{};
    const Limits& lim = limits[who.label];
    if (!lim.measured) continue;
    emit({{"kind", "limit"}, {"backend", who.label}, {"device", lim.device},
          {"philox_blocks_per_s", lim.philox_blocks_per_s}, {"normal_blocks_per_s", lim.normal_blocks_per_s},
          {"normals_per_s", 4 * lim.normal_blocks_per_s}});
    fmt::print("{} limit on {}: {} Philox blocks/s, {} normals/s ({} blocks of 4)\n", who.label, lim.device,
               si(lim.philox_blocks_per_s), si(4 * lim.normal_blocks_per_s), si(lim.normal_blocks_per_s));
  }

  std::vector<Row> rows;
  std::vector<std::string> baseline_names;
  for (int d : o.dims) {
    std::vector<double> betas;
    for (double l : o.lambdas) betas.push_back(l * attnlim::theory::critical_scale(d, o.grid_n));
    std::map<std::string, double> baseline_rate;
    for (const std::string& spec : o.baselines) {
      const auto eq = spec.find('=');
      if (eq == std::string::npos) throw attnlim::InputError("baseline", "expected NAME=COMMAND (got '" + spec + "')");
      const std::string name = spec.substr(0, eq);
      if (std::find(baseline_names.begin(), baseline_names.end(), name) == baseline_names.end())
        baseline_names.push_back(name);
      json j = run_baseline(name, spec.substr(eq + 1), d, betas, o);
      if (j.is_null()) continue;
      baseline_rate[name] = j["keys_per_second"].get<double>();
      emit(j);
      fmt::print("baseline {:>8} d={:<4} {:>8} keys/s  (n={}, {} trials, {:.2f} s)\n", name, d, si(baseline_rate[name]),
                 j.value("n", 0ULL), j.value("trials", 0ULL), j.value("seconds", 0.0));
    }
    for (const attnlim::AnyKeyModel& keys : models_at(o, d))
      for (const Contender& who : contenders)
        for (const std::string& tier_name : o.tiers) {
          const SamplerTier tier = tier_name == "full" ? SamplerTier::full : SamplerTier::projected;
          std::string why_not;
          if (who.launch.warp_sums && !std::holds_alternative<attnlim::UniformKeys>(keys))
            why_not = "the warp path is built for uniform keys only (cuda::LaunchOptions::warp_sums)";
          if (!why_not.empty() || !attnlim::supports_tier(keys, tier, &why_not)) {
            fmt::print("{:>10} d={:<4} {:<26} {:<9} not measured: {}\n", who.label, d, attnlim::describe(keys), tier_name,
                       why_not);
            continue;
          }
          rows.push_back(measure(o, who, limits[who.label], keys, tier, tier_name, betas, baseline_rate));
        }
    if (o.materialize && gpu) measure_materialize(o, d, betas, rows);
  }
  print_table(rows, baseline_names);
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  bench::Options o;
  CLI::App app{"attnlim_bench: keys/s of attnlim's engines and tiers against baselines and the RNG limit"};
  app.add_option("--d", o.dims, "dimensions")->delimiter(',');
  app.add_option("--tier", o.tiers, "sampler tiers: full, projected")->delimiter(',');
  app.add_option("--keys", o.keys,
                 "key-model SPECs, one per value (space-separated; SPECs contain commas), e.g. uniform "
                 "vmf:kappa=2,angle=1.5; default uniform");
  app.add_option("--backend", o.backends,
                 "cpu, cuda, cuda-plain (the fused kernel without its exact shortcuts), cuda-warp (its per-beta sums "
                 "spread over a warp's lanes), cuda-exact-keys (without the key models' device accelerators: every "
                 "key from the model's sampler), cuda-merge (a candidate sort and merge kernel after each launch "
                 "instead of the in-kernel fold); default: cpu, and cuda when a device is present")
      ->delimiter(',');
  app.add_option("--seconds", o.seconds, "target seconds of one timed run");
  app.add_option("--n", o.n, "keys per trial for attnlim's rows, fixed instead of calibrated to --seconds (0: calibrated)");
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
    bench::run(o);
  } catch (const attnlim::InputError& e) {
    fmt::print(stderr, "attnlim_bench: error: {}\n", e.for_command_line());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "attnlim_bench: failed: {}\n", e.what());
    return 1;
  }
  return 0;
}
