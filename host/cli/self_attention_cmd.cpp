// attnlim self-attention: every token a query (THEORY.md section 9), the log n law of the second paper.
#include <memory>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/self_attention.hpp"
#include "attnlim/engine/mpi.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"
#include "run_guard.hpp"

namespace attnlim::cli {

void register_self_attention(CLI::App& app) {
  struct Options {
    std::vector<std::string> ns = {"1000"}, gammas = {"0.5,1,2,4"};
    std::string d = "64", rho = "0.5", layers = "1", trials = "10", tokens = "random", seed = "1", backend = "auto",
                threads = "0", bootstrap = "400", json, csv;
    bool find_gamma = false, quiet = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "self-attention", "every token a query: layers of y_i <- normalize(sum_j w_ij y_j) at beta = gamma log n");
  add_list_option(sub, "--n", o->ns, "comma-separated distinct token counts (2..2^31)", "LIST");
  add_number_option(sub, "--d", o->d, "dimension of the tokens (simplex tokens need d >= n)", "INT");
  add_number_option(sub, "--rho", o->rho, "pairwise inner product of the tokens (simplex) or its mean (random), in [0, 1)",
                    "FLOAT");
  add_list_option(sub, "--gamma", o->gammas, "comma-separated gamma values: beta = gamma log n (A..BxN log-spaced)", "LIST");
  add_number_option(sub, "--layers", o->layers, "layers per trial (1..1000)", "INT");
  add_number_option(sub, "--trials", o->trials, "trials (fresh random tokens each)", "INT");
  sub->add_option("--tokens", o->tokens,
                  "random: sqrt(rho) u + sqrt(1-rho) z_i, z_i uniform orthogonal to u; simplex: the exact simplex")
      ->capture_default_str();
  add_number_option(sub, "--seed", o->seed, "64-bit Philox seed: the same tokens on every backend", "INT");
  sub->add_option("--backend", o->backend, "auto (CUDA when a device is present), cpu or cuda")->capture_default_str();
  add_number_option(sub, "--threads", o->threads, "CPU threads (0: all)", "INT");
  sub->add_flag("--find-gamma", o->find_gamma,
                "per n, gamma* where one layer's mean cosine crosses (rho+1)/2 (bootstrap interval), against gamma_c "
                "and the simplex and annealed predictions");
  add_number_option(sub, "--bootstrap", o->bootstrap, "bootstrap resamples for --find-gamma (>= 20)", "INT");
  add_quiet_flag(sub, o->quiet);
  sub->add_option("--json", o->json, "write config, backend and one entry per (n, gamma, layer) here")->type_name("PATH");
  sub->add_option("--csv", o->csv, "write one row per (n, gamma, layer, trial) here")->type_name("PATH");
  sub->callback([o, sub] {
    SelfAttentionConfig c;
    c.ns = parse_whole_list("n", join_list(o->ns), 2, kMaxSelfAttentionTokens);
    c.d = static_cast<int>(parse_whole("d", o->d, 2, kMaxDimension));
    c.rho = parse_real("rho", o->rho);
    c.gammas = parse_beta_values("gamma", join_list(o->gammas));
    c.layers = static_cast<int>(parse_whole("layers", o->layers, 1, kMaxLayers));
    c.trials = parse_whole("trials", o->trials, 1, kMaxTrials);
    c.tokens = parse_token_layout(o->tokens);
    c.seed = parse_whole("seed", o->seed, 0, ~std::uint64_t{0});
    c.find_gamma = o->find_gamma;
    c.resamples = static_cast<int>(parse_whole("bootstrap", o->bootstrap, 20, 1000000));
    validate(c);
    SelfAttentionOptions options;
    options.threads = static_cast<int>(parse_whole("threads", o->threads, 0, kMaxThreads));
    const EngineChoice choice = parse_backend_option(o->backend);
    options.threads = rank_threads(options.threads);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "json", o->json);
    add_if_given(outputs, sub, "csv", o->csv);
    check_output_paths(outputs);
    const auto engine = distribute(make_self_attention_engine(choice, options));
    SelfAttentionResult r;
    {
      ProgressLine line(o->quiet);
      r = run_self_attention(*engine, c, line.callback());
    }
    fmt::print("{}", to_table(r));
    if (sub->count("--json")) write_file_atomic(o->json, to_json(r).dump(2) + "\n");
    if (sub->count("--csv")) write_file_atomic(o->csv, to_csv(r));
  });
}

}  // namespace attnlim::cli
