// attnlim sweep (resumable grids) and attnlim critical (beta*(n) and its exponent).
#include <cmath>
#include <memory>

#include <fmt/core.h>

#include "attnlim/critical.hpp"
#include "attnlim/errors.hpp"
#include "attnlim/io.hpp"
#include "attnlim/sweep.hpp"
#include "commands.hpp"
#include "progress.hpp"

namespace attnlim::cli {

namespace {
std::uint64_t positive(const std::string& flag, long long v, long long minimum = 1) {
  if (v < minimum) throw InputError(fmt::format("{}: must be at least {} (got {})", flag, minimum, v));
  return static_cast<std::uint64_t>(v);
}
}  // namespace

void register_sweep(CLI::App& app) {
  struct Options {
    std::vector<int> ds = {3};
    std::vector<long long> ns;
    long long n_min = 0, n_max = 0;
    int n_points = 0;
    std::vector<std::string> specs;
    long long trials = 100;
    unsigned long long seed = 1;
    int top_k = 8, threads = 0;
    std::string backend = "auto", sampler = "auto", out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "resumable grid over d, n and beta specifications; appends each finished point to OUT.jsonl and OUT.csv");
  sub->add_option("--d", o->ds, "comma-separated dimensions")->delimiter(',')->capture_default_str();
  sub->add_option("--n", o->ns, "comma-separated n values (or use --n-min/--n-max/--n-points)")->delimiter(',');
  sub->add_option("--n-min", o->n_min, "smallest n of a log-spaced grid");
  sub->add_option("--n-max", o->n_max, "largest n of a log-spaced grid");
  sub->add_option("--n-points", o->n_points, "points of the log-spaced n grid");
  sub->add_option("--beta-spec", o->specs,
                  "SCALE:V1,V2,... with SCALE abs, critical (lambda), power:A (lambda n^A) or log (gamma log n); "
                  "repeatable; all betas of a point are evaluated in one pass")
      ->required();
  sub->add_option("--trials", o->trials, "trials per point")->capture_default_str();
  sub->add_option("--seed", o->seed, "base seed; each (d, n) point gets its own stream")->capture_default_str();
  sub->add_option("--top-k", o->top_k, "nearest keys kept per trial")->capture_default_str();
  sub->add_option("--threads", o->threads, "CPU threads (0: all)")->capture_default_str();
  sub->add_option("--backend", o->backend, "auto, cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", o->sampler, "auto (projected), full or projected")->capture_default_str();
  sub->add_option("--out", o->out, "output prefix: writes OUT.jsonl (source of truth) and OUT.csv")->required();
  sub->callback([o] {
    SweepConfig c;
    c.ds = o->ds;
    if (!o->ns.empty() && (o->n_min || o->n_max || o->n_points))
      throw InputError("--n: give either --n or --n-min/--n-max/--n-points, not both");
    if (!o->ns.empty()) {
      for (long long n : o->ns) c.ns.push_back(positive("--n", n));
    } else {
      if (!o->n_min || !o->n_max || !o->n_points) throw InputError("--n: give --n LIST or --n-min, --n-max and --n-points");
      const auto lo = positive("--n-min", o->n_min), hi = positive("--n-max", o->n_max);
      if (lo > hi) throw InputError(fmt::format("--n-min: must not exceed --n-max (got {} > {})", lo, hi));
      const auto points = positive("--n-points", o->n_points);
      if (points > hi - lo + 1) throw InputError("--n-points: more points than integers between --n-min and --n-max");
      c.ns = log_spaced_n(lo, hi, static_cast<int>(points));
    }
    for (const auto& s : o->specs) c.specs.push_back(parse_beta_spec(s));
    c.trials = positive("--trials", o->trials);
    c.seed = o->seed;
    c.top_k = o->top_k;
    c.threads = o->threads;
    c.backend = parse_backend(o->backend);
    c.sampler = parse_sampler(o->sampler, false);
    c.out = o->out;
    const SweepReport rep = run_sweep(c, stderr_progress("sweep "));
    end_progress_line();
    fmt::print("sweep: {} points, {} already done, {} run; results in {}.jsonl and {}.csv\n", rep.points_total,
               rep.points_skipped, rep.points_run, c.out, c.out);
  });
}

std::uint64_t count_from_double(const std::string& flag, double v) {
  if (!std::isfinite(v) || v < 1 || v > 1.8e19 || std::floor(v) != v)
    throw InputError(fmt::format("{}: must be a whole number >= 1 (got {})", flag, v));
  return static_cast<std::uint64_t>(v);
}

void add_critical_options(CLI::App* sub, CriticalConfig& c, double& n_min, double& n_max, std::string& backend,
                          std::string& sampler) {
  sub->add_option("--n-min", n_min, "smallest n (1e3 notation accepted)")->capture_default_str();
  sub->add_option("--n-max", n_max, "largest n (verify: 0 picks 1e6 on the CPU, 1e8 with a GPU)")->capture_default_str();
  sub->add_option("--n-points", c.n_points, "log-spaced n values")->capture_default_str();
  sub->add_option("--trials", c.trials, "trials per n (bootstrap over these)")->capture_default_str();
  sub->add_option("--observable", c.observable, "ipr, w_max or entropy: its trial mean defines beta*")->capture_default_str();
  sub->add_option("--target", c.target, "beta* is where the mean observable crosses this (ipr, w_max: in (0,1))")
      ->capture_default_str();
  sub->add_option("--grid-points", c.grid_points, "betas of the fine grid (<= 64), one pass")->capture_default_str();
  sub->add_option("--bootstrap", c.resamples, "bootstrap resamples over trials")->capture_default_str();
  sub->add_option("--seed", c.seed, "base seed")->capture_default_str();
  sub->add_option("--threads", c.threads, "CPU threads (0: all)")->capture_default_str();
  sub->add_option("--backend", backend, "auto, cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", sampler, "auto (projected), full or projected")->capture_default_str();
}

void register_critical(CLI::App& app) {
  struct Options {
    CriticalConfig c;
    double n_min = 1000, n_max = 1000000;  // critical: fixed defaults
    std::string backend = "auto", sampler = "auto", json;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "critical", "estimate beta*(n) where the mean observable crosses a target, fit log beta* = c + alpha log n, "
                  "and compare alpha with 2/(d-1) and the prefactor with lambda* c_d^(2/(d-1))");
  sub->add_option("--d", o->c.d, "dimension")->required();
  add_critical_options(sub, o->c, o->n_min, o->n_max, o->backend, o->sampler);
  sub->add_option("--json", o->json, "write exponent, prefactor, points and curves here");
  sub->callback([o] {
    CriticalConfig c = o->c;
    c.n_min = count_from_double("--n-min", o->n_min);
    c.n_max = count_from_double("--n-max", o->n_max);
    c.backend = parse_backend(o->backend);
    c.sampler = parse_sampler(o->sampler, false);
    validate(c);
    if (!o->json.empty()) check_output_path("--json", o->json);
    const CriticalResult r = run_critical(c, stderr_progress("critical "));
    end_progress_line();
    fmt::print("{}", to_table(r));
    if (!o->json.empty()) write_file_atomic(o->json, to_json(r).dump(2) + "\n");
  });
}

}  // namespace attnlim::cli
