#include "attnlim/drivers/theory_report.hpp"

#include <cmath>
#include <variant>
#include <limits>
#include <string>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/theory/theory.hpp"

namespace attnlim {

const char* const kTheoryReportHelp = R"(Printed quantities (each only when its arguments are given):
  local_exponent a        (d-1)/2: P(E <= s) ~ c_d s^a near the query          [--d]
  c_d, log_c_d            2^a / ((d-1) B(1/2, a)); c_d is null where it overflows [--d]
  A_d                     I_{d/2}(beta)/I_{d/2-1}(beta): |O| as n -> infinity  [--beta]
  bias_limit              1 - A_d(beta) ~ (d-1)/(2 beta)                        [--beta]
  log_M                   log E e^{beta X}, X = <q, K>                          [--beta]
  tilted_variance         Var of X under e^{beta X} (= A_d'(beta))             [--beta]
  critical_scale          (n c_d)^{2/(d-1)}: beta = lambda * critical_scale    [--n]
  gaussian_score_scale    sqrt(2 d log n), random-energy-model scale           [--n]
  lambda_of_beta          beta / critical_scale                                [--beta --n]
  tilted_keys             n P(E <= 1 - A_d(2 beta)): keys where e^{2 beta X}   [--beta --n]
                          puts its mass. The next four values are printed only
                          where it is >= 1 (else a row saying why; JSON null)
  radial_variance         (1/n) E[e^{2bX}(X-A)^2] / M(b)^2 (delta method)      [--beta --n]
  tangential_variance     per direction, (1/n) E[e^{2bX}(1-X^2)]/((d-1)M(b)^2) [--beta --n]
  n_eff, subcritical_ipr  n M(b)^2/M(2b) ~ 1/sum w^2, and its inverse         [--beta --n]
  critical_beta           lambda (n c_d)^{2/(d-1)}                             [--n --lambda]
  critical_ipr            E[sum W_k^2] of the critical law (Mecke formula)     [--lambda]
  critical_entropy        E[-sum W_k log W_k] (Mecke formula)                  [--lambda]
  critical_w_max(_stderr) E[max W_k] from the exact sampler (--trials, --seed) [--lambda]
                          where no trial resolves 1 - w_max (lambda >~ trials):
                          the 95% bound 3/trials on E[1 - w_max] instead
  critical_truncation     bound on the neglected mass of the sampler           [--lambda]
  lambda_star(_stderr)    lambda at which the limit observable equals --target [--target]
  beta_star               lambda_star (n c_d)^{2/(d-1)}                        [--target --n]
Targets: ipr and w_max in (0, 1) (they increase with lambda); entropy > 0 (decreases). lambda_star is
searched in [1e-300, 1e300]: an ipr or entropy target beyond the values there is refused (the entropy
falls from ~692 a + log Gamma(a+1) to ~1.6e-300 a Gamma(2 - 1/a)). A w_max target is refused when the
sampler would need more than 8192 points per trial (d = 3: below ~0.0013; d = 128, 4096: below ~0.6)
or when it lies within 3/trials of 1 (beyond what the trials resolve). Values that overflow a double
are shown as not representable (null in JSON).)";

namespace {

void add_row(std::string& table, const std::string& name, double value, const std::string& note = "") {
  table += fmt::format("  {:<24} {:>24.16g}  {}\n", name, value, note);
}

void add_text_row(std::string& table, const std::string& name, const std::string& text, const std::string& note = "") {
  table += fmt::format("  {:<24} {:>24}  {}\n", name, text, note);
}

// A number for the table and the JSON; one that overflowed (inf, or nan from inf/inf) is reported as
// such, never printed as a number: null in the JSON, listed under "not_representable".
void put(nlohmann::json& json, std::string& table, const std::string& name, double value, const std::string& note) {
  if (std::isfinite(value)) {
    json[name] = value;
    add_row(table, name, value, note);
    return;
  }
  json[name] = nullptr;
  json["not_representable"].push_back(name);
  add_text_row(table, name, "not representable", note + " (overflows a double)");
}

}  // namespace

void validate(const TheoryRequest& args) {
  if (args.d < 2) throw InputError("d", fmt::format("must be at least 2 (got {})", args.d));
  parse_key_model(args.keys, args.d);
  if (args.beta && !(*args.beta >= 0 && std::isfinite(*args.beta)))
    throw InputError("beta", fmt::format("must be finite and >= 0 (got {})", *args.beta));
  if (args.n && !(*args.n >= 1 && std::isfinite(*args.n))) throw InputError("n", fmt::format("must be >= 1 (got {})", *args.n));
  if (args.lambda && !(*args.lambda > 0 && std::isfinite(*args.lambda)))
    throw InputError("lambda", fmt::format("must be > 0 (got {})", *args.lambda));
  const theory::CriticalObservable observable = theory::parse_observable(args.observable.c_str());
  if (args.target) {
    const double t = *args.target;
    if (observable == theory::CriticalObservable::entropy) {
      if (!(t > 0 && std::isfinite(t))) throw InputError("target", fmt::format("an entropy target must be > 0 (got {})", t));
    } else if (!(t > 0 && t < 1)) {
      throw InputError("target", fmt::format("a target for {} must be in (0, 1) (got {})", args.observable, t));
    }
  }
  if (args.trials < 2) throw InputError("trials", fmt::format("must be at least 2 (got {})", args.trials));
}

TheoryReport theory_report(const TheoryRequest& args) {
  using namespace attnlim::theory;
  validate(args);
  const AnyKeyModel model = parse_key_model(args.keys, args.d);
  const std::string keys = describe(model);
  nlohmann::json json;
  std::string table = fmt::format("attnlim theory: d = {}{}\n", args.d, keys == UniformKeys::kName ? "" : ", keys " + keys);
  const LocalLaw law = local_law(model);
  json["keys"] = keys;
  json["d"] = args.d;
  const bool uniform = std::holds_alternative<UniformKeys>(model);
  json["local_exponent"] = law.a;
  add_row(table, "local_exponent", law.a, uniform ? "a = (d-1)/2" : "a' of the keys' local law P(E <= s) ~ c s^a'");
  json["log_local_constant"] = law.log_c;
  json["local_constant"] = std::isfinite(law.c) ? nlohmann::json(law.c) : nlohmann::json(nullptr);
  if (!uniform) {
    if (std::isfinite(law.c)) add_row(table, "local_constant", law.c, "c of the keys' local law");
    add_row(table, "log_local_constant", law.log_c);
  }
  const LocalLaw uniform_keys = uniform_law(args.d);
  json["log_c_d"] = uniform_keys.log_c;
  if (std::isfinite(uniform_keys.c)) {
    json["c_d"] = uniform_keys.c;
    add_row(table, "c_d", uniform_keys.c, "P(E <= s) ~ c_d s^a for uniform keys");
  } else {
    json["c_d"] = nullptr;
  }
  add_row(table, "log_c_d", uniform_keys.log_c);

  if (args.beta) {
    const double beta = *args.beta;
    json["beta"] = beta;
    const LimitOutput limit = limit_output(model, beta);
    put(json, table, "limit_o_e1", limit.e1, "<O, q> for n -> infinity");
    put(json, table, "limit_o_e2", limit.e2, "<O, e_2> for n -> infinity (e_2 toward the keys' axis)");
    put(json, table, "A_d", A_d(args.d, beta), "|O| for n -> infinity, uniform keys");
    put(json, table, "bias_limit", bias(args.d, beta), "1 - A_d(beta)");
    put(json, table, "log_M", log_M(args.d, beta), "log E e^{beta X}");
    put(json, table, "tilted_variance", tilted_variance(args.d, beta), "A_d'(beta)");
  }
  if (args.n) {
    const double n = *args.n;
    json["n"] = n;
    const double scale = critical_scale(law, n);
    put(json, table, "critical_scale", scale, "(n c_d)^{2/(d-1)}");
    put(json, table, "gaussian_score_scale", gaussian_score_scale(args.d, n), "sqrt(2 d log n)");
    if (args.beta && !uniform) {
      put(json, table, "lambda_of_beta", *args.beta / scale, "beta / critical_scale");
      add_text_row(table, "subcritical rows", "uniform keys only", "(the delta method's closed forms are for uniform keys)");
    }
    if (args.beta && uniform) {
      const double lambda_of_beta = *args.beta / scale;
      put(json, table, "lambda_of_beta", lambda_of_beta, "beta / critical_scale");
      // The subcritical rows only where they apply (theory.hpp, log_tilted_keys): not by lambda alone,
      // which in high dimension (nearly Gaussian scores, THEORY.md section 5) misses the regime.
      const double log_keys = log_tilted_keys(args.d, *args.beta, n);
      const double tilted_keys = std::exp(log_keys);
      put(json, table, "tilted_keys", tilted_keys, "n P(E <= 1 - A_d(2 beta)): >= 1 for the delta method");
      const char* rows[] = {"radial_variance", "tangential_variance", "n_eff", "subcritical_ipr"};
      json["subcritical_applies"] = log_keys >= 0.0;
      if (log_keys >= 0.0) {
        const Subcritical sub = subcritical(args.d, *args.beta, n);
        put(json, table, rows[0], sub.radial_variance, "delta method");
        put(json, table, rows[1], sub.tangential_variance, "per direction");
        put(json, table, rows[2], sub.n_eff, "n M(b)^2 / M(2b)");
        put(json, table, rows[3], sub.ipr, "1 / n_eff");
      } else {
        const std::string reason = fmt::format(
            "do not apply: tilted_keys = {:.3g} < 1 (M(2 beta) is carried by keys that are not among the n); "
            "lambda_of_beta = {:.4g}: see --lambda {:.4g} where the local law holds",
            tilted_keys, lambda_of_beta, lambda_of_beta);
        for (const char* row : rows) json[row] = nullptr;
        json["subcritical_reason"] = reason;
        add_text_row(table, "subcritical rows", "not applicable", reason);
      }
    }
    if (args.lambda) put(json, table, "critical_beta", *args.lambda * scale, "lambda (n c_d)^{2/(d-1)}");
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
    json["critical_w_max_stderr_is_bound"] = sample.w_max_stderr_is_bound;
    json["critical_truncation"] = sample.truncation_bound;
    json["sampler_trials"] = sample.trials;
    json["sampler_seed"] = args.seed;
    add_row(table, "critical_ipr", json["critical_ipr"].get<double>(), "E sum W^2 (Mecke)");
    add_row(table, "critical_entropy", json["critical_entropy"].get<double>(), "E H (Mecke)");
    // A sample variance of 0 (every trial's w_max rounds to 1) does not mean E[w_max] = 1: the deficit
    // comes from near-ties rarer than 1 in T trials. Say what T trials do bound.
    add_row(table, "critical_w_max", sample.w_max,
            sample.w_max_stderr_is_bound
                ? fmt::format("> 1 - {:.2g} (95%: none of {} trials resolved 1 - w_max; rule of three)",
                              sample.w_max_stderr, sample.trials)
                : fmt::format("+- {:.2g} (sampler)", sample.w_max_stderr));
    add_row(table, "critical_truncation", sample.truncation_bound, "sd(neglected mass) / S");
  }
  if (args.target) {
    json["observable"] = args.observable;
    json["target"] = *args.target;
    const LambdaStar star = critical_lambda_star(law.a, parse_observable(args.observable.c_str()), *args.target, options);
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
  return TheoryReport{json, table};
}

}  // namespace attnlim
