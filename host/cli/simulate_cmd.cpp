// attnlim simulate: n random keys on S^{d-1}, a fixed query, a grid of beta, trial after trial.
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "attnlim/errors.hpp"
#include "attnlim/io.hpp"
#include "attnlim/simulate.hpp"
#include "commands.hpp"

namespace attnlim::cli {
namespace {

struct SimulateOptions {
  int d = 3;
  long long n = 100000;
  long long trials = 100;
  std::vector<double> beta_values = {0, 1, 10, 100};
  std::string beta_scale = "abs";
  int top_k = 8;
  unsigned long long seed = 1;
  std::string backend = "auto";
  std::string sampler = "auto";
  int threads = 0;
  long long chunk = 1 << 16;
  bool output_vector = false;
  std::string csv, json;
};

}  // namespace

// Shared by simulate, sweep and critical: --sampler auto picks projected unless directions are needed.
SamplerTier parse_sampler(const std::string& name, bool output_vector) {
  if (name == "full") return SamplerTier::full;
  if (name == "projected") return SamplerTier::projected;
  if (name == "auto") return output_vector ? SamplerTier::full : SamplerTier::projected;
  throw InputError("--sampler: unknown sampler '" + name + "' (expected auto, full or projected)");
}

void register_simulate(CLI::App& app) {
  auto opt = std::make_shared<SimulateOptions>();
  CLI::App* sub = app.add_subcommand("simulate", "simulate n uniform keys on S^{d-1} attended by one query over a beta grid");
  sub->add_option("--d", opt->d, "dimension: keys on the sphere S^{d-1} in R^d (>= 2)")->capture_default_str();
  sub->add_option("--n", opt->n, "keys per trial (>= 1, 64-bit)")->capture_default_str();
  sub->add_option("--trials", opt->trials, "independent trials (>= 1)")->capture_default_str();
  sub->add_option("--beta", opt->beta_values, "comma-separated beta values, read through --beta-scale")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--beta-scale", opt->beta_scale,
                  "abs: beta itself; critical: lambda in beta = lambda (n c_d)^{2/(d-1)}; "
                  "power:A: lambda in lambda n^A; log: gamma in gamma log n")
      ->capture_default_str();
  sub->add_option("--top-k", opt->top_k, "nearest keys kept per trial (0..64, <= n)")->capture_default_str();
  sub->add_option("--seed", opt->seed, "64-bit Philox seed: same seed, same numbers on any backend")->capture_default_str();
  sub->add_option("--backend", opt->backend, "auto (CUDA when a device is present), cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", opt->sampler,
                  "full: d-dimensional keys; projected: distance from one normal and one chi-square "
                  "(cost independent of d); auto: projected unless --output-vector")
      ->capture_default_str();
  sub->add_option("--threads", opt->threads, "CPU threads (0: all)")->capture_default_str();
  sub->add_option("--chunk", opt->chunk, "keys per work block (changes sums only by rounding)")->capture_default_str();
  sub->add_flag("--output-vector", opt->output_vector, "also compute the output O in the query frame (radial part and tangential norm)");
  sub->add_option("--csv", opt->csv, "write one row per (trial, beta) here");
  sub->add_option("--json", opt->json, "write config, backend, keys_per_second and per-beta summaries here");
  sub->callback([opt] {
    SimConfig c;
    c.d = opt->d;
    if (opt->n < 1) throw InputError(fmt::format("--n: must be at least 1 (got {})", opt->n));
    if (opt->trials < 1) throw InputError(fmt::format("--trials: must be at least 1 (got {})", opt->trials));
    if (opt->chunk < 1) throw InputError(fmt::format("--chunk: must be at least 1 (got {})", opt->chunk));
    c.n = static_cast<std::uint64_t>(opt->n);
    c.trials = static_cast<std::uint64_t>(opt->trials);
    c.top_k = opt->top_k;
    c.seed = opt->seed;
    c.threads = opt->threads;
    c.chunk_keys = static_cast<std::uint64_t>(opt->chunk);
    c.output_vector = opt->output_vector;
    c.sampler = parse_sampler(opt->sampler, opt->output_vector);
    const BackendChoice backend = parse_backend(opt->backend);
    const BetaScale scale = parse_beta_scale(opt->beta_scale);
    if (opt->beta_values.empty()) throw InputError("--beta: the list is empty");
    if (c.d < 2) throw InputError(fmt::format("--d: must be at least 2 (got {})", c.d));
    for (double v : opt->beta_values) c.betas.push_back(absolute_beta(scale, v, c.d, static_cast<double>(c.n)));
    validate(c);
    if (!opt->csv.empty()) check_output_path("--csv", opt->csv);
    if (!opt->json.empty()) check_output_path("--json", opt->json);
    const SimulationResult r = simulate(c, backend, scale, opt->beta_values);
    fmt::print("{}", to_table(r));
    if (!opt->csv.empty()) write_file_atomic(opt->csv, to_csv(r));
    if (!opt->json.empty()) write_file_atomic(opt->json, to_json(r).dump(2) + "\n");
    std::fflush(stdout);
  });
}

}  // namespace attnlim::cli
