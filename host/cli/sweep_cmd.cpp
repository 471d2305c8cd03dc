// attnlim sweep: resumable grids over d, n and beta specifications, one durable record per point.
#include <cmath>
#include <memory>
#include <tuple>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/grid.hpp"
#include "attnlim/drivers/sweep.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"
#include "run_guard.hpp"

namespace attnlim::cli {

SweepConfig prepare_sweep(const SweepOptions& o) {
  SweepConfig c;
  for (auto d : parse_whole_list("d", join_list(o.ds), 2, kMaxDimension)) c.ds.push_back(static_cast<int>(d));
  const bool grid = o.given.count("n_min") || o.given.count("n_max") || o.given.count("n_points");
  if (o.given.count("n") && grid)
    throw InputError("n", fmt::format("give either {} or {}/{}/{}, not both", field_ref("n"), field_ref("n_min"),
                                      field_ref("n_max"), field_ref("n_points")));
  if (o.given.count("n")) {
    c.ns = parse_whole_list("n", join_list(o.ns), 1, kMaxKeys);
  } else {
    for (const char* field : {"n_min", "n_max", "n_points"})
      if (!o.given.count(field))
        throw InputError(field, fmt::format("give {} LIST, or {}, {} and {}", field_ref("n"), field_ref("n_min"),
                                            field_ref("n_max"), field_ref("n_points")));
    const auto lo = parse_whole("n_min", o.n_min, 1, kMaxKeys), hi = parse_whole("n_max", o.n_max, 1, kMaxKeys);
    if (lo > hi) throw InputError("n_min", fmt::format("must not exceed {} (got {} > {})", field_ref("n_max"), lo, hi));
    const auto points = parse_whole("n_points", o.n_points, 1, kMaxGridPoints);
    if (points == 1 && lo != hi)
      throw InputError("n_points", fmt::format("1 point needs {} equal to {} (got {} and {})", field_ref("n_min"),
                                               field_ref("n_max"), lo, hi));
    if (points > hi - lo + 1)
      throw InputError("n_points", fmt::format("more points than integers between {} and {}", field_ref("n_min"),
                                               field_ref("n_max")));
    c.ns = log_spaced_n(lo, hi, static_cast<int>(points));
  }
  for (const auto& s : o.specs) c.specs.push_back(parse_beta_spec(s));
  c.keys = o.keys;
  c.trials = parse_whole("trials", o.trials, 1, kMaxTrials);
  c.seed = parse_whole("seed", o.seed, 0, ~std::uint64_t{0});
  c.clamp_top_k = o.given.count("top_k") == 0;
  c.top_k = c.clamp_top_k ? kDefaultTopK : static_cast<int>(parse_whole("top_k", o.top_k, 0, kMaxTopK));
  parse_whole("threads", o.threads, 0, kMaxThreads);
  c.sampler = parse_sampler(o.sampler, false, parse_key_model(c.keys, c.ds.front()));
  c.out = o.out;
  c.store_trials = o.store_trials;
  if (o.given.count("shard")) std::tie(c.shard, c.shards) = parse_shard(o.shard);
  validate(c);  // also both output files
  return c;
}

void register_sweep(CLI::App& app) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "resumable grid over d, n and beta specifications; appends each finished point to OUT.jsonl and OUT.csv");
  add_list_option(sub, "--d", o->ds, "comma-separated distinct dimensions", "LIST");
  add_keys_option(sub, o->keys);
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
  sub->add_flag("--store-trials", o->store_trials,
                "also keep each point's per-trial ipr, w_max, entropy and e_min (base64 float64; 1.1 MB a point "
                "for 1000 trials x 32 betas), so that analyze can bootstrap beta* as critical does");
  sub->add_option("--shard", o->shard,
                  "I/N: run only the points k (d-major, from 0) with k mod N = I - 1, into OUT.shard-I-of-N.jsonl/.csv "
                  "(a job array; the shards together are the whole sweep)")
      ->type_name("I/N");
  add_quiet_flag(sub, o->quiet);
  sub->callback([o, sub] {
    o->given = given_fields(sub);
    const SweepConfig c = prepare_sweep(*o);
    const auto engine = make_cli_engine(parse_backend_option(o->backend), o->threads);
    SweepReport rep;
    {
      ProgressLine line(o->quiet);
      rep = run_sweep(*engine, c, line.callback());
    }
    fmt::print("sweep: {} points, {} already done, {} run; results in {}.jsonl and {}.csv\n", rep.points_total,
               rep.points_skipped, rep.points_run, c.prefix(), c.prefix());
  });
}

}  // namespace attnlim::cli
