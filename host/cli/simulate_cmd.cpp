// attnlim simulate: n random keys on S^{d-1}, a fixed query, a grid of beta, trial after trial.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/simulate.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"
#include "run_guard.hpp"

namespace attnlim::cli {

PreparedSimulate prepare_simulate(const SimulateOptions& o) {
  PreparedSimulate p;
  RunSpec& spec = p.spec;
  const int d = static_cast<int>(parse_whole("d", o.d, 2, kMaxDimension));
  spec.keys = parse_key_model(o.keys, d);
  p.order = o.sampler == "order";
  const bool order = p.order;
  spec.n = parse_key_count("n", o.n, order);
  p.trials = parse_whole("trials", o.trials, 1, kMaxTrials);
  spec.top_k = o.given.count("top_k") ? static_cast<int>(parse_whole("top_k", o.top_k, 0, kMaxTopK))
                                         : static_cast<int>(spec.n.is_exact() ? std::min<std::uint64_t>(kDefaultTopK, spec.n.count()) : kDefaultTopK);
  spec.seed = parse_whole("seed", o.seed, 0, ~std::uint64_t{0});
  p.engine.threads = static_cast<int>(parse_whole("threads", o.threads, 0, kMaxThreads));
  p.engine.chunk_keys = parse_whole("chunk", o.chunk, 1, kMaxKeys);
  spec.output_vector = o.output_vector;
  spec.tier = order ? (o.output_vector ? SamplerTier::full : SamplerTier::projected)
                    : parse_sampler(o.sampler, o.output_vector, spec.keys);
  if (o.given.count("bulk_tolerance")) {
    if (!order) throw InputError("bulk_tolerance", fmt::format("applies to {} order only", field_ref("sampler")));
    spec.bulk_tolerance = parse_real("bulk_tolerance", o.bulk_tolerance);
  }
  p.scale = parse_beta_scale(o.beta_scale);
  const BetaScale& scale = p.scale;
  // Checked as typed (a negative lambda is quoted as the user wrote it, not as the beta it gives).
  const std::string typed = join_list(o.beta_values);
  p.values = parse_beta_values("beta", typed);
  const std::vector<double>& values = p.values;
  const std::vector<std::string> items = split_list("beta", typed);
  if (order) {
    // The order engine takes betas in a unit: lambda with the unit (n c)^{1/a'} stays finite at any n.
    spec.log_beta_unit = beta_log_unit(scale, spec.keys, spec.n);
    for (double v : values) spec.betas.push_back(scale.kind == BetaScale::log ? v * spec.n.log() : v);
  } else {
    for (std::size_t i = 0; i < values.size(); ++i) {
      spec.betas.push_back(absolute_beta(scale, values[i], spec.keys, spec.n));
      if (!std::isfinite(spec.betas.back()))
        throw InputError("beta", fmt::format("{} on the {} scale gives an infinite beta at n = {} ({} order "
                                             "takes it)", items[i], scale.name(), spec.n.text(), field_ref("sampler")));
    }
  }
  validate(spec, WorkRange::all_keys(spec, p.trials));
  if (order && o.backend == "cuda") throw InputError("backend", "the order sampler runs on the CPU (use auto or cpu)");
  p.choice = order ? EngineChoice::cpu : parse_backend_option(o.backend);
  return p;
}

void register_simulate(CLI::App& app) {
  auto opt = std::make_shared<SimulateOptions>();
  CLI::App* sub = app.add_subcommand("simulate", "simulate n random keys on S^{d-1} attended by one query over a beta grid");
  add_number_option(sub, "--d", opt->d, fmt::format("dimension: keys on the sphere S^{{d-1}} in R^d (2..{})", kMaxDimension), "INT");
  add_keys_option(sub, opt->keys);
  add_number_option(sub, "--n", opt->n,
                    "keys per trial (1..2^63; 1e6 notation accepted; with --sampler order any n >= 1, e.g. 1e5000)", "INT");
  add_number_option(sub, "--trials", opt->trials, "independent trials (1..2^32)", "INT");
  add_list_option(sub, "--beta", opt->beta_values,
                  fmt::format("comma-separated beta values (distinct, >= 0, at most {}), read through --beta-scale", kMaxBetas),
                  "LIST");
  sub->add_option("--beta-scale", opt->beta_scale,
                  "abs: beta itself; critical: lambda in beta = lambda (n c)^{1/a} (the keys' local law; "
                  "(n c_d)^{2/(d-1)} for uniform keys); power:A: lambda in lambda n^A; log: gamma in gamma log n")
      ->capture_default_str();
  add_number_option(sub, "--top-k", opt->top_k, fmt::format("nearest keys kept per trial (0..{}, <= n; default min(8, n))", kMaxTopK), "INT");
  add_number_option(sub, "--seed", opt->seed, "64-bit Philox seed: same seed, same numbers on any backend", "INT");
  sub->add_option("--backend", opt->backend, "auto (CUDA when a device is present), cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", opt->sampler,
                  "full: d-dimensional keys; projected: distance from one normal and one chi-square "
                  "(cost independent of d); auto: projected unless --output-vector; order: the order-statistics "
                  "engine (nearest keys exact, the rest a Gaussian sum; any n, cost independent of n; CPU)")
      ->capture_default_str();
  add_number_option(sub, "--threads", opt->threads, fmt::format("CPU threads (0: all; at most {})", kMaxThreads), "INT");
  add_number_option(sub, "--chunk", opt->chunk, "keys per work block (changes sums only by rounding)", "INT");
  add_number_option(sub, "--bulk-tolerance", opt->bulk_tolerance,
                    "--sampler order: the bound on the Gaussian bulk's error (relative, per sum) that the number of "
                    "exact keys must reach, in (0, 1)",
                    "FLOAT");
  sub->add_flag("--output-vector", opt->output_vector, "also compute the output O in the query frame (radial part and tangential norm)");
  add_quiet_flag(sub, opt->quiet);
  sub->add_option("--csv", opt->csv, "write one row per (trial, beta) here")->type_name("PATH");
  sub->add_option("--json", opt->json, "write config, backend, keys_per_second and per-beta summaries here")->type_name("PATH");
  sub->callback([opt, sub] {
    opt->given = given_fields(sub);
    const PreparedSimulate p = prepare_simulate(*opt);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "csv", opt->csv);
    add_if_given(outputs, sub, "json", opt->json);
    check_output_paths(outputs);
    const auto engine = make_rank_engine(p.choice, p.order, p.engine);
    if (auto refused = engine->refusal(p.spec)) throw *refused;  // names its own field
    SimulationResult r;
    {
      ProgressLine line(opt->quiet);
      r = simulate(*engine, p.spec, p.trials, p.scale, p.values, line.callback());
    }
    fmt::print("{}", to_table(r));
    if (sub->count("--csv")) write_file_atomic(opt->csv, to_csv(r));
    if (sub->count("--json")) write_file_atomic(opt->json, to_json(r).dump(2) + "\n");
    std::fflush(stdout);
  });
}

}  // namespace attnlim::cli
