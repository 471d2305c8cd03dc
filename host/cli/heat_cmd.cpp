// attnlim heat: the backward heat equation measured (drivers/heat.hpp): the drift of T(q) and the growth of a
// harmonic per step, against their predictions.
#include <memory>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/heat.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"
#include "run_guard.hpp"

namespace attnlim::cli {

void register_heat(CLI::App& app) {
  // Defaults from the library's HeatConfig, so the command and the library cannot disagree.
  const HeatConfig defaults;
  struct Options {
    std::string d, keys, n, trials, seed, nodes, max_l, growth_eps, threads = "0", backend = "auto", json;
    std::vector<std::string> betas;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  o->d = std::to_string(defaults.d);
  o->keys = defaults.keys;
  o->n = std::to_string(defaults.n);
  o->trials = std::to_string(defaults.trials);
  o->seed = std::to_string(defaults.seed);
  o->nodes = std::to_string(defaults.nodes);
  o->max_l = std::to_string(defaults.max_l);
  o->growth_eps = fmt::format("{}", defaults.growth_eps);
  o->betas = {fmt::format("{}", fmt::join(defaults.betas, ","))};
  CLI::App* sub = app.add_subcommand(
      "heat", "the backward heat equation: the drift of T(q) = O/|O| and the growth of harmonics per attention step");
  add_number_option(sub, "--d", o->d, fmt::format("dimension (2..{})", kMaxDimension), "INT");
  sub->add_option("--keys", o->keys, "key model SPEC whose drift is measured (e.g. vmf:kappa=2,angle=1)")
      ->type_name("SPEC")
      ->capture_default_str();
  add_list_option(sub, "--beta", o->betas, "comma-separated betas (> 0, subcritical: many keys share the mass)", "LIST");
  add_number_option(sub, "--n", o->n, "keys per trial", "INT");
  add_number_option(sub, "--trials", o->trials, "trials per run (>= 2: each run gives a standard error)", "INT");
  add_number_option(sub, "--seed", o->seed, "base seed", "INT");
  add_number_option(sub, "--nodes", o->nodes, fmt::format("Gauss-Legendre nodes over the angle per degree (0: the fewest whose error on the "
                                 "first-order growth is <= {:g}; at most {})", kHeatRuleTolerance, kMaxHeatNodes), "INT");
  add_number_option(sub, "--max-l", o->max_l, fmt::format("growth of the degrees 1 .. max-l (0 .. {}; 0: no growth runs)", kMaxHeatDegree), "INT");
  add_number_option(sub, "--growth-eps", o->growth_eps, "eps of the harmonic densities 1 + eps P_l the growth runs on (0 < |eps| < 1)", "FLOAT");
  add_number_option(sub, "--threads", o->threads, "CPU threads (0: all)", "INT");
  sub->add_option("--backend", o->backend, "auto, cpu or cuda")->capture_default_str();
  add_quiet_flag(sub, o->quiet);
  sub->add_option("--json", o->json, "write the drift and growth per beta here")->type_name("PATH");
  sub->callback([o, sub] {
    HeatConfig c;
    c.d = static_cast<int>(parse_whole("d", o->d, 2, kMaxDimension));
    c.keys = o->keys;
    c.betas.clear();  // the library default is replaced, not extended
    for (double b : parse_beta_values("beta", join_list(o->betas))) c.betas.push_back(b);
    c.n = parse_whole("n", o->n, 2, kMaxKeys);
    c.trials = parse_whole("trials", o->trials, 2, kMaxTrials);
    c.seed = parse_whole("seed", o->seed, 0, ~std::uint64_t{0});
    c.nodes = static_cast<int>(parse_whole("nodes", o->nodes, 0, kMaxHeatNodes));
    c.max_l = static_cast<int>(parse_whole("max_l", o->max_l, 0, kMaxHeatDegree));
    c.growth_eps = parse_real("growth_eps", o->growth_eps);
    validate(c);
    const EngineChoice choice = parse_backend_option(o->backend);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "json", o->json);
    check_output_paths(outputs);
    const auto engine = make_cli_engine(choice, o->threads);
    HeatResult r;
    {
      ProgressLine line(o->quiet);
      r = run_heat(*engine, c, line.callback());
    }
    fmt::print("{}", to_table(r));
    if (sub->count("--json")) write_file_atomic(o->json, to_json(r).dump(2) + "\n");
  });
}

}  // namespace attnlim::cli
