// `attnlim theory`: every prediction of THEORY.md that the given arguments determine, as a table on
// stdout and optionally as JSON.
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "attnlim/errors.hpp"
#include "attnlim/io.hpp"
#include "attnlim/theory.hpp"
#include "commands.hpp"

namespace attnlim::cli {
namespace {

struct TheoryArgs {
  int d = 0;
  std::optional<double> beta, n, lambda, target;
  std::string observable = "ipr";
  std::string json_path;
  std::uint64_t trials = 4000;
  std::uint64_t seed = 0x5eed5eedULL;
};

const char* kHelpFooter = R"(Printed quantities (each only when its arguments are given):
  local_exponent a        (d-1)/2: P(E <= s) ~ c_d s^a near the query          [--d]
  c_d, log_c_d            2^a / ((d-1) B(1/2, a)); c_d is null where it overflows [--d]
  A_d                     I_{d/2}(beta)/I_{d/2-1}(beta): |O| as n -> infinity  [--beta]
  bias_limit              1 - A_d(beta) ~ (d-1)/(2 beta)                        [--beta]
  log_M                   log E e^{beta X}, X = <q, K>                          [--beta]
  tilted_variance         Var of X under e^{beta X} (= A_d'(beta))             [--beta]
  radial_variance         (1/n) E[e^{2bX}(X-A)^2] / M(b)^2 (delta method)      [--beta --n]
  tangential_variance     per direction, (1/n) E[e^{2bX}(1-X^2)]/((d-1)M(b)^2) [--beta --n]
  n_eff, subcritical_ipr  n M(b)^2/M(2b) ~ 1/sum w^2, and its inverse         [--beta --n]
  critical_scale          (n c_d)^{2/(d-1)}: beta = lambda * critical_scale    [--n]
  lambda_of_beta          beta / critical_scale                                [--beta --n]
  gaussian_score_scale    sqrt(2 d log n), random-energy-model scale           [--n]
  critical_beta           lambda (n c_d)^{2/(d-1)}                             [--n --lambda]
  critical_ipr            E[sum W_k^2] of the critical law (Mecke formula)     [--lambda]
  critical_entropy        E[-sum W_k log W_k] (Frullani + Mecke)               [--lambda]
  critical_w_max(_stderr) E[max W_k] from the exact sampler (--trials, --seed) [--lambda]
  critical_truncation     bound on the neglected mass of the sampler           [--lambda]
  lambda_star(_stderr)    lambda at which the limit observable equals --target [--target]
  beta_star               lambda_star (n c_d)^{2/(d-1)}                        [--target --n]
Targets: ipr and w_max in (0, 1) (they increase with lambda); entropy > 0 (decreases).)";

void add_row(std::string& table, const std::string& name, double value, const std::string& note = "") {
  table += fmt::format("  {:<24} {:>24.16g}  {}\n", name, value, note);
}

void run_theory(const TheoryArgs& args) {
  using namespace attnlim::theory;
  // Validate everything before computing (and before anything is written).
  if (args.d < 2) throw InputError(fmt::format("--d: must be at least 2 (got {})", args.d));
  if (args.beta && !(*args.beta >= 0 && std::isfinite(*args.beta)))
    throw InputError(fmt::format("--beta: must be finite and >= 0 (got {})", *args.beta));
  if (args.n && !(*args.n >= 1 && std::isfinite(*args.n)))
    throw InputError(fmt::format("--n: must be >= 1 (got {})", *args.n));
  if (args.lambda && !(*args.lambda > 0 && std::isfinite(*args.lambda)))
    throw InputError(fmt::format("--lambda: must be > 0 (got {})", *args.lambda));
  CriticalObservable observable;
  try {
    observable = parse_observable(args.observable.c_str());
  } catch (const std::domain_error&) {
    throw InputError(fmt::format("--observable: must be ipr, w_max or entropy (got '{}')", args.observable));
  }
  if (args.target) {
    const double t = *args.target;
    if (observable == CriticalObservable::entropy) {
      if (!(t > 0 && std::isfinite(t))) throw InputError(fmt::format("--target: an entropy target must be > 0 (got {})", t));
    } else if (!(t > 0 && t < 1)) {
      throw InputError(fmt::format("--target: an {} target must be in (0, 1) (got {})", args.observable, t));
    }
  }
  if (args.trials < 2) throw InputError(fmt::format("--trials: must be at least 2 (got {})", args.trials));
  if (!args.json_path.empty()) check_output_path("--json", args.json_path);

  nlohmann::json json;
  std::string table = fmt::format("attnlim theory: d = {}\n", args.d);
  const LocalLaw law = uniform_law(args.d);
  json["d"] = args.d;
  json["local_exponent"] = law.a;
  add_row(table, "local_exponent", law.a, "a = (d-1)/2");
  json["log_c_d"] = law.log_c;
  if (law.log_c < std::log(std::numeric_limits<double>::max())) {
    json["c_d"] = c_d(args.d);
    add_row(table, "c_d", c_d(args.d), "P(E <= s) ~ c_d s^a");
  } else {
    json["c_d"] = nullptr;
  }
  add_row(table, "log_c_d", law.log_c);

  if (args.beta) {
    const double beta = *args.beta;
    json["beta"] = beta;
    const double A = A_d(args.d, beta);
    json["A_d"] = A;
    json["bias_limit"] = bias(args.d, beta);
    json["log_M"] = log_M(args.d, beta);
    json["tilted_variance"] = tilted_variance(args.d, beta);
    add_row(table, "A_d", A, "|O| for n -> infinity");
    add_row(table, "bias_limit", json["bias_limit"].get<double>(), "1 - A_d(beta)");
    add_row(table, "log_M", json["log_M"].get<double>(), "log E e^{beta X}");
    add_row(table, "tilted_variance", json["tilted_variance"].get<double>(), "A_d'(beta)");
  }
  if (args.n) {
    const double n = *args.n;
    json["n"] = n;
    const double scale = critical_scale(law, n);
    json["critical_scale"] = scale;
    json["gaussian_score_scale"] = gaussian_score_scale(args.d, n);
    add_row(table, "critical_scale", scale, "(n c_d)^{2/(d-1)}");
    add_row(table, "gaussian_score_scale", json["gaussian_score_scale"].get<double>(), "sqrt(2 d log n)");
    if (args.beta) {
      const Subcritical sub = subcritical(args.d, *args.beta, n);
      json["radial_variance"] = sub.radial_variance;
      json["tangential_variance"] = sub.tangential_variance;
      json["n_eff"] = sub.n_eff;
      json["subcritical_ipr"] = sub.ipr;
      json["lambda_of_beta"] = *args.beta / scale;
      add_row(table, "radial_variance", sub.radial_variance, "delta method");
      add_row(table, "tangential_variance", sub.tangential_variance, "per direction");
      add_row(table, "n_eff", sub.n_eff, "n M(b)^2 / M(2b)");
      add_row(table, "subcritical_ipr", sub.ipr, "1 / n_eff");
      add_row(table, "lambda_of_beta", *args.beta / scale, "beta / critical_scale");
    }
    if (args.lambda) {
      json["critical_beta"] = *args.lambda * scale;
      add_row(table, "critical_beta", *args.lambda * scale, "lambda (n c_d)^{2/(d-1)}");
    }
  }
  CriticalSamplerOptions options;
  options.trials = args.trials;
  options.seed = args.seed;
  if (args.lambda) {
    const double lambda = *args.lambda;
    json["lambda"] = lambda;
    json["critical_ipr"] = critical_ipr(law.a, lambda);
    json["critical_entropy"] = critical_entropy(law.a, lambda);
    const CriticalSample sample = sample_critical(law.a, lambda, options);
    json["critical_w_max"] = sample.w_max;
    json["critical_w_max_stderr"] = sample.w_max_stderr;
    json["critical_truncation"] = sample.truncation_bound;
    json["sampler_trials"] = sample.trials;
    json["sampler_seed"] = args.seed;
    add_row(table, "critical_ipr", json["critical_ipr"].get<double>(), "E sum W^2 (Mecke)");
    add_row(table, "critical_entropy", json["critical_entropy"].get<double>(), "E H (Frullani + Mecke)");
    add_row(table, "critical_w_max", sample.w_max, fmt::format("+- {:.2g} (sampler)", sample.w_max_stderr));
    add_row(table, "critical_truncation", sample.truncation_bound, "sd(neglected mass) / S");
  }
  if (args.target) {
    json["observable"] = args.observable;
    json["target"] = *args.target;
    const LambdaStar star = critical_lambda_star(law.a, observable, *args.target, options);
    json["lambda_star"] = star.lambda;
    json["lambda_star_stderr"] = star.stderr_;
    add_row(table, "lambda_star", star.lambda,
            star.stderr_ > 0 ? fmt::format("+- {:.2g}", star.stderr_) : std::string("limit ") + args.observable + " = target");
    if (args.n) {
      const double beta_star = star.lambda * critical_scale(law, *args.n);
      json["beta_star"] = beta_star;
      json["beta_star_stderr"] = star.stderr_ * critical_scale(law, *args.n);
      add_row(table, "beta_star", beta_star, "lambda_star (n c_d)^{2/(d-1)}");
    }
  }
  fmt::print("{}", table);
  if (!args.json_path.empty()) write_file_atomic(args.json_path, json.dump(2) + "\n");
}

}  // namespace

void register_theory(CLI::App& app) {
  auto args = std::make_shared<TheoryArgs>();
  // Plain values for CLI11; the callback turns "given" into optionals.
  auto raw = std::make_shared<std::array<double, 4>>();
  CLI::App* cmd = app.add_subcommand("theory", "print the predictions of THEORY.md for the given d, beta, n, lambda");
  cmd->add_option("--d", args->d, "key dimension (>= 2)")->required();
  cmd->add_option("--beta", (*raw)[0], "inverse temperature (>= 0): subcritical predictions");
  cmd->add_option("--n", (*raw)[1], "number of keys (>= 1): critical scale, variances, beta_star");
  cmd->add_option("--lambda", (*raw)[2], "critical parameter (> 0): beta = lambda (n c_d)^{2/(d-1)}");
  cmd->add_option("--target", (*raw)[3], "target value of the limit observable: solve for lambda_star");
  cmd->add_option("--observable", args->observable, "observable for --target: ipr | w_max | entropy (default ipr)");
  cmd->add_option("--trials", args->trials, "sampler trials for w_max (default 4000)");
  cmd->add_option("--seed", args->seed, "sampler seed (default fixed: reproducible)");
  cmd->add_option("--json", args->json_path, "also write the predictions as JSON to this path");
  cmd->footer(kHelpFooter);
  cmd->callback([args, raw, cmd] {
    const char* names[4] = {"--beta", "--n", "--lambda", "--target"};
    std::optional<double>* slots[4] = {&args->beta, &args->n, &args->lambda, &args->target};
    for (int i = 0; i < 4; ++i)
      if (cmd->count(names[i]) > 0) *slots[i] = (*raw)[i];
    run_theory(*args);
  });
}

}  // namespace attnlim::cli
