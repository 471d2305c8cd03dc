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

void register_sweep(CLI::App& app) {
  struct Options {
    std::vector<std::string> ds = {"3"}, ns, specs;
    std::string n_min, n_max, n_points, trials = "100", seed = "1", top_k, threads = "0";
    std::string backend = "auto", sampler = "auto", out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "resumable grid over d, n and beta specifications; appends each finished point to OUT.jsonl and OUT.csv");
  add_list_option(sub, "--d", o->ds, "comma-separated distinct dimensions", "LIST");
  add_list_option(sub, "--n", o->ns, "comma-separated distinct n values (or use --n-min/--n-max/--n-points)", "LIST");
  add_number_option(sub, "--n-min", o->n_min, "smallest n of a log-spaced grid (1e3 notation accepted)", "INT");
  add_number_option(sub, "--n-max", o->n_max, "largest n of a log-spaced grid", "INT");
  add_number_option(sub, "--n-points", o->n_points, "points of the log-spaced n grid (1 needs --n-min = --n-max)", "INT");
  sub->add_option("--beta-spec", o->specs,
                  fmt::format("SCALE:V1,V2,... with SCALE abs, critical (lambda), power:A (lambda n^A) or log (gamma log n); "
                              "repeatable; all betas of a point (at most {}) are evaluated in one pass", kMaxBetas))
      ->type_name("SPEC")
      ->required();
  add_number_option(sub, "--trials", o->trials, "trials per point (1..2^32)", "INT");
  add_number_option(sub, "--seed", o->seed, "base seed; each (d, n) point gets its own stream", "INT");
  add_number_option(sub, "--top-k", o->top_k, fmt::format("nearest keys kept per trial (0..{}, <= every n; default min(8, n))", kMaxTopK), "INT");
  add_number_option(sub, "--threads", o->threads, "CPU threads (0: all)", "INT");
  sub->add_option("--backend", o->backend, "auto, cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", o->sampler, "auto (projected), full or projected")->capture_default_str();
  sub->add_option("--out", o->out, "output prefix: writes OUT.jsonl (source of truth) and OUT.csv")->type_name("PREFIX")->required();
  sub->callback([o, sub] {
    SweepConfig c;
    for (auto d : parse_whole_list("--d", join_list(o->ds), 2, kMaxDimension)) c.ds.push_back(static_cast<int>(d));
    const bool grid = sub->count("--n-min") || sub->count("--n-max") || sub->count("--n-points");
    if (sub->count("--n") && grid) throw InputError("--n: give either --n or --n-min/--n-max/--n-points, not both");
    if (sub->count("--n")) {
      c.ns = parse_whole_list("--n", join_list(o->ns), 1, kMaxKeys);
    } else {
      for (const char* flag : {"--n-min", "--n-max", "--n-points"})
        if (!sub->count(flag)) throw InputError(fmt::format("{}: give --n LIST, or --n-min, --n-max and --n-points", flag));
      const auto lo = parse_whole("--n-min", o->n_min, 1, kMaxKeys), hi = parse_whole("--n-max", o->n_max, 1, kMaxKeys);
      if (lo > hi) throw InputError(fmt::format("--n-min: must not exceed --n-max (got {} > {})", lo, hi));
      const auto points = parse_whole("--n-points", o->n_points, 1, kMaxGridPoints);
      if (points == 1 && lo != hi)
        throw InputError(fmt::format("--n-points: 1 point needs --n-min equal to --n-max (got {} and {})", lo, hi));
      if (points > hi - lo + 1) throw InputError("--n-points: more points than integers between --n-min and --n-max");
      c.ns = log_spaced_n(lo, hi, static_cast<int>(points));
    }
    for (const auto& s : o->specs) c.specs.push_back(parse_beta_spec(s));
    c.trials = parse_whole("--trials", o->trials, 1, kMaxTrials);
    c.seed = parse_whole("--seed", o->seed, 0, ~std::uint64_t{0});
    c.clamp_top_k = sub->count("--top-k") == 0;
    c.top_k = c.clamp_top_k ? kDefaultTopK : static_cast<int>(parse_whole("--top-k", o->top_k, 0, kMaxTopK));
    c.threads = static_cast<int>(parse_whole("--threads", o->threads, 0, kMaxThreads));
    c.sampler = parse_sampler(o->sampler, false);
    c.out = o->out;
    validate(c);  // also both output files
    c.backend = parse_backend_option(o->backend);
    const SweepReport rep = run_sweep(c, stderr_progress("sweep "));
    end_progress_line();
    fmt::print("sweep: {} points, {} already done, {} run; results in {}.jsonl and {}.csv\n", rep.points_total,
               rep.points_skipped, rep.points_run, c.out, c.out);
  });
}

void add_critical_options(CLI::App* sub, CriticalOptions& o, const std::string& n_max_help) {
  add_number_option(sub, "--n-min", o.n_min, "smallest n (1e3 notation accepted)", "INT");
  add_number_option(sub, "--n-max", o.n_max, n_max_help, "INT");
  add_number_option(sub, "--n-points", o.n_points, "log-spaced n values (>= 2)", "INT");
  add_number_option(sub, "--trials", o.trials, "trials per n, bootstrapped over (8..2^31)", "INT");
  sub->add_option("--observable", o.observable, "ipr, w_max or entropy: its trial mean defines beta*")->capture_default_str();
  add_number_option(sub, "--target", o.target,
                    "beta* is where the mean observable crosses this (ipr, w_max: in (1/n, 1); entropy: in (0, log n))",
                    "FLOAT");
  add_number_option(sub, "--grid-points", o.grid_points, fmt::format("betas of the fine grid (4..{}), one pass", kMaxBetas), "INT");
  add_number_option(sub, "--bootstrap", o.bootstrap, "bootstrap resamples over trials (>= 20)", "INT");
  add_number_option(sub, "--seed", o.seed, "base seed", "INT");
  add_number_option(sub, "--threads", o.threads, "CPU threads (0: all)", "INT");
  sub->add_option("--backend", o.backend, "auto, cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", o.sampler, "auto (projected), full or projected")->capture_default_str();
}

CriticalConfig parse_critical_options(const CriticalOptions& o, std::uint64_t automatic_n_max) {
  CriticalConfig c;
  c.n_min = parse_whole("--n-min", o.n_min, 2, kMaxKeys);
  c.n_max = parse_whole("--n-max", o.n_max, automatic_n_max ? 0 : 2, kMaxKeys);
  if (c.n_max == 0) c.n_max = automatic_n_max;
  c.n_points = static_cast<int>(parse_whole("--n-points", o.n_points, 2, kMaxGridPoints));
  c.trials = parse_whole("--trials", o.trials, 8, kMaxCriticalTrials);
  c.observable = o.observable;
  c.target = parse_real("--target", o.target);
  c.grid_points = static_cast<int>(parse_whole("--grid-points", o.grid_points, 4, kMaxBetas));
  c.resamples = static_cast<int>(parse_whole("--bootstrap", o.bootstrap, 20, kMaxResamples));
  c.seed = parse_whole("--seed", o.seed, 0, ~std::uint64_t{0});
  c.threads = static_cast<int>(parse_whole("--threads", o.threads, 0, kMaxThreads));
  c.sampler = parse_sampler(o.sampler, false);
  return c;
}

void register_critical(CLI::App& app) {
  struct Options {
    CriticalOptions critical;
    std::string d, json;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "critical", "estimate beta*(n) where the mean observable crosses a target, fit log beta* = c + alpha log n, "
                  "and compare alpha with 2/(d-1) and the prefactor with lambda* c_d^(2/(d-1))");
  add_number_option(sub, "--d", o->d, "dimension (>= 2)", "INT")->required();
  add_critical_options(sub, o->critical, "largest n");
  sub->add_option("--json", o->json, "write exponent, prefactor, points and curves here")->type_name("PATH");
  sub->callback([o, sub] {
    CriticalConfig c = parse_critical_options(o->critical, 0);
    c.d = static_cast<int>(parse_whole("--d", o->d, 2, kMaxDimension));
    validate(c);
    c.backend = parse_backend_option(o->critical.backend);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "--json", o->json);
    check_output_paths(outputs);
    const CriticalResult r = run_critical(c, stderr_progress("critical "));
    end_progress_line();
    fmt::print("{}", to_table(r));
    if (sub->count("--json")) write_file_atomic(o->json, to_json(r).dump(2) + "\n");
  });
}

}  // namespace attnlim::cli
