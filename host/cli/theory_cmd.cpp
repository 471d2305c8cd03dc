// attnlim theory: every prediction of THEORY.md that the given arguments determine (drivers/theory_report),
// as a table on stdout and optionally as JSON.
#include <memory>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/theory_report.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"

namespace attnlim::cli {

void register_theory(CLI::App& app) {
  struct Options {
    std::string d, keys = "uniform", beta, n, lambda, target, observable = "ipr", trials = "4000", seed, json;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("theory", "print the predictions of THEORY.md for the given d, beta, n, lambda");
  add_number_option(sub, "--d", o->d, "key dimension (>= 2)", "INT")->required();
  add_keys_option(sub, o->keys);
  add_number_option(sub, "--beta", o->beta, "inverse temperature (>= 0): subcritical predictions", "FLOAT");
  add_number_option(sub, "--n", o->n, "number of keys (>= 1): critical scale, variances, beta_star", "FLOAT");
  add_number_option(sub, "--lambda", o->lambda, "critical parameter (> 0): beta = lambda (n c_d)^{2/(d-1)}", "FLOAT");
  add_number_option(sub, "--target", o->target, "target value of the limit observable: solve for lambda_star", "FLOAT");
  sub->add_option("--observable", o->observable, "observable for --target: ipr | w_max | entropy")->capture_default_str();
  add_number_option(sub, "--trials", o->trials, "sampler trials for w_max (2..2^32 - 1)", "INT");
  add_number_option(sub, "--seed", o->seed, "sampler seed (default fixed: reproducible)", "INT");
  sub->add_option("--json", o->json, "also write the predictions as JSON to this path")->type_name("PATH");
  sub->footer(kTheoryReportHelp);
  sub->callback([o, sub] {
    TheoryRequest request;
    request.d = static_cast<int>(parse_whole("d", o->d, 2, 1u << 30));  // theory: any d (no keys are drawn)
    request.keys = o->keys;
    const auto real_if_given = [&](const char* field, const std::string& text, std::optional<double>& slot) {
      if (sub->count(field_flag(field)) > 0) slot = parse_real(field, text);
    };
    real_if_given("beta", o->beta, request.beta);
    real_if_given("n", o->n, request.n);
    real_if_given("lambda", o->lambda, request.lambda);
    real_if_given("target", o->target, request.target);
    request.observable = o->observable;
    request.trials = parse_whole("trials", o->trials, 2, 0xffffffffULL);
    if (sub->count("--seed") > 0) request.seed = parse_whole("seed", o->seed, 0, ~std::uint64_t{0});
    validate(request);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "json", o->json);
    check_output_paths(outputs);
    const TheoryReport report = theory_report(request);
    fmt::print("{}", report.table);
    if (sub->count("--json")) write_file_atomic(o->json, report.json.dump(2) + "\n");
  });
}

}  // namespace attnlim::cli
