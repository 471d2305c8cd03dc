// attnlim simulate: n random keys on S^{d-1}, a fixed query, a grid of beta, trial after trial.
// Also the option helpers every command shares (commands.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "attnlim/cuda_backend.hpp"
#include "attnlim/errors.hpp"
#include "attnlim/io.hpp"
#include "attnlim/simulate.hpp"
#include "commands.hpp"

namespace attnlim::cli {
namespace {

struct SimulateOptions {
  std::string d = "3", n = "100000", trials = "100";
  std::vector<std::string> beta_values = {"0,1,10,100"};
  std::string beta_scale = "abs";
  std::string top_k;  // empty: not given
  std::string seed = "1", backend = "auto", sampler = "auto", threads = "0", chunk = "65536";
  bool output_vector = false;
  std::string csv, json;
};

}  // namespace

SamplerTier parse_sampler(const std::string& name, bool output_vector) {
  if (name == "full") return SamplerTier::full;
  if (name == "projected") return SamplerTier::projected;
  if (name == "auto") return output_vector ? SamplerTier::full : SamplerTier::projected;
  throw InputError("--sampler: unknown sampler '" + name + "' (expected auto, full or projected)");
}

BackendChoice parse_backend_option(const std::string& name) {
  const BackendChoice backend = parse_backend(name);
  std::string why;
  if (backend == BackendChoice::cuda && !cuda::available(&why)) throw InputError("--backend: cuda requested but " + why);
  return backend;
}

CLI::Option* add_number_option(CLI::App* sub, const std::string& name, std::string& text, const std::string& help,
                               const std::string& type) {
  CLI::Option* opt = sub->add_option(name, text, help)->type_name(type);
  if (!text.empty()) opt->default_str(text);
  return opt;
}

CLI::Option* add_list_option(CLI::App* sub, const std::string& name, std::vector<std::string>& items,
                             const std::string& help, const std::string& type) {
  CLI::Option* opt = sub->add_option(name, items, help)->type_name(type);
  if (!items.empty()) opt->default_str(join_list(items));
  return opt;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string joined;
  for (std::size_t i = 0; i < items.size(); ++i) joined += (i ? "," : "") + items[i];
  return joined;
}

void add_if_given(std::vector<OutputFile>& outputs, const CLI::App* sub, const std::string& flag,
                  const std::string& path) {
  if (sub->count(flag) > 0) outputs.push_back({flag, path});
}

void register_simulate(CLI::App& app) {
  auto opt = std::make_shared<SimulateOptions>();
  CLI::App* sub = app.add_subcommand("simulate", "simulate n uniform keys on S^{d-1} attended by one query over a beta grid");
  add_number_option(sub, "--d", opt->d, fmt::format("dimension: keys on the sphere S^{{d-1}} in R^d (2..{})", kMaxDimension), "INT");
  add_number_option(sub, "--n", opt->n, "keys per trial (1..2^63; 1e6 notation accepted)", "INT");
  add_number_option(sub, "--trials", opt->trials, "independent trials (1..2^32)", "INT");
  add_list_option(sub, "--beta", opt->beta_values,
                  fmt::format("comma-separated beta values (distinct, >= 0, at most {}), read through --beta-scale", kMaxBetas),
                  "LIST");
  sub->add_option("--beta-scale", opt->beta_scale,
                  "abs: beta itself; critical: lambda in beta = lambda (n c_d)^{2/(d-1)}; "
                  "power:A: lambda in lambda n^A; log: gamma in gamma log n")
      ->capture_default_str();
  add_number_option(sub, "--top-k", opt->top_k, fmt::format("nearest keys kept per trial (0..{}, <= n; default min(8, n))", kMaxTopK), "INT");
  add_number_option(sub, "--seed", opt->seed, "64-bit Philox seed: same seed, same numbers on any backend", "INT");
  sub->add_option("--backend", opt->backend, "auto (CUDA when a device is present), cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", opt->sampler,
                  "full: d-dimensional keys; projected: distance from one normal and one chi-square "
                  "(cost independent of d); auto: projected unless --output-vector")
      ->capture_default_str();
  add_number_option(sub, "--threads", opt->threads, fmt::format("CPU threads (0: all; at most {})", kMaxThreads), "INT");
  add_number_option(sub, "--chunk", opt->chunk, "keys per work block (changes sums only by rounding)", "INT");
  sub->add_flag("--output-vector", opt->output_vector, "also compute the output O in the query frame (radial part and tangential norm)");
  sub->add_option("--csv", opt->csv, "write one row per (trial, beta) here")->type_name("PATH");
  sub->add_option("--json", opt->json, "write config, backend, keys_per_second and per-beta summaries here")->type_name("PATH");
  sub->callback([opt, sub] {
    SimConfig c;
    c.d = static_cast<int>(parse_whole("--d", opt->d, 2, kMaxDimension));
    c.n = parse_whole("--n", opt->n, 1, kMaxKeys);
    c.trials = parse_whole("--trials", opt->trials, 1, kMaxTrials);
    c.top_k = sub->count("--top-k") > 0 ? static_cast<int>(parse_whole("--top-k", opt->top_k, 0, kMaxTopK))
                                         : static_cast<int>(std::min<std::uint64_t>(kDefaultTopK, c.n));
    c.seed = parse_whole("--seed", opt->seed, 0, ~std::uint64_t{0});
    c.threads = static_cast<int>(parse_whole("--threads", opt->threads, 0, kMaxThreads));
    c.chunk_keys = parse_whole("--chunk", opt->chunk, 1, kMaxKeys);
    c.output_vector = opt->output_vector;
    c.sampler = parse_sampler(opt->sampler, opt->output_vector);
    const BetaScale scale = parse_beta_scale(opt->beta_scale);
    // Checked as typed (a negative lambda is quoted as the user wrote it, not as the beta it gives).
    const std::string typed = join_list(opt->beta_values);
    const std::vector<double> values = parse_beta_values("--beta", typed);
    const std::vector<std::string> items = split_list("--beta", typed);
    for (std::size_t i = 0; i < values.size(); ++i) {
      c.betas.push_back(absolute_beta(scale, values[i], c.d, static_cast<double>(c.n)));
      if (!std::isfinite(c.betas.back()))
        throw InputError(fmt::format("--beta: {} on the {} scale gives an infinite beta at n = {}", items[i],
                                     scale.name(), c.n));
    }
    validate(c);
    const BackendChoice backend = parse_backend_option(opt->backend);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "--csv", opt->csv);
    add_if_given(outputs, sub, "--json", opt->json);
    check_output_paths(outputs);
    const SimulationResult r = simulate(c, backend, scale, values);
    fmt::print("{}", to_table(r));
    if (sub->count("--csv")) write_file_atomic(opt->csv, to_csv(r));
    if (sub->count("--json")) write_file_atomic(opt->json, to_json(r).dump(2) + "\n");
    std::fflush(stdout);
  });
}

}  // namespace attnlim::cli
