// The critical result as JSON (exponent, prefactor, points and their curves) and as the readable table.
#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "attnlim/drivers/critical.hpp"
#include "attnlim/keys/uniform.hpp"

namespace attnlim {

nlohmann::json to_json(const CriticalResult& r) {
  nlohmann::json j;
  const CriticalConfig& c = r.config;
  j["config"] = {{"d", c.d},           {"n_min", c.n_min},         {"n_max", c.n_max},
                 {"n_points", c.n_points}, {"trials", c.trials},   {"observable", c.observable},
                 {"target", c.target}, {"grid_points", c.grid_points}, {"bootstrap", c.resamples},
                 {"seed", c.seed},     {"sampler", c.order ? "order" : sampler_name(c.sampler)}, {"keys", r.keys}};
  if (c.order) {
    j["config"]["log_n_min"] = c.log_n_min;
    j["config"]["log_n_max"] = c.log_n_max;
    if (c.n_min == kMaxKeys) j["config"]["n_min"] = nullptr;
    if (c.n_max == kMaxKeys) j["config"]["n_max"] = nullptr;
  }
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["seconds"] = r.seconds;
  j["keys_per_second"] = r.keys_run / std::max(r.seconds, 1e-9);
  j["lambda_star"] = r.lambda_star;
  j["lambda_star_stderr"] = r.lambda_star_stderr;
  j["exponent"] = {{"estimate", r.fit.slope}, {"stderr", r.fit.slope_se}, {"ci_low", r.fit.slope_ci_low},
                   {"ci_high", r.fit.slope_ci_high}, {"chi2", r.fit.chi2}, {"dof", r.fit.dof}};
  j["predicted_exponent"] = r.predicted_exponent;
  if (r.local_points >= 3)
    j["exponent_local"] = {{"estimate", r.local_fit.slope}, {"stderr", r.local_fit.slope_se},
                           {"ci_low", r.local_fit.slope_ci_low}, {"ci_high", r.local_fit.slope_ci_high},
                           {"points", r.local_points}};
  j["prefactor"] = {{"estimate", std::exp(r.fit.intercept)},
                    {"ci_low", std::exp(r.fit.intercept_ci_low)},
                    {"ci_high", std::exp(r.fit.intercept_ci_high)}};
  j["predicted_prefactor"] = r.predicted_prefactor;
  j["prefactor_at_predicted_exponent"] = {{"estimate", r.fixed_prefactor},
                                          {"ci_low", r.fixed_prefactor_ci_low},
                                          {"ci_high", r.fixed_prefactor_ci_high}};
  j["prefactor_ratio"] = std::exp(r.fit.intercept) / r.predicted_prefactor;
  j["gaussian_law"] = {{"slope", r.gaussian_fit.slope}, {"ci_low", r.gaussian_fit.slope_ci_low},
                       {"ci_high", r.gaussian_fit.slope_ci_high}, {"predicted_slope", 1.0}};
  j["local_slopes"] = r.local_slopes;
  j["regime"] = r.regime;
  j["regime_reason"] = r.regime_reason;
  // The crossover to the local law: beta* over the local-law and random-energy-model predictions per point,
  // and from which n on the local law holds within 5% (measured; and where theory puts the nearest key inside it).
  nlohmann::json crossover = nlohmann::json::array();
  for (const auto& p : r.points)
    crossover.push_back({{"log_n", p.log_n},
                         {"ratio_local", std::exp(p.log_beta_star - p.log_predicted_beta_star)},
                         {"ratio_rem", std::isnan(p.rem_beta_star) ? nlohmann::json() : nlohmann::json(std::exp(p.log_beta_star - std::log(p.rem_beta_star)))},
                         {"ratio_local_ci", {std::exp(p.log_ci_low - p.log_predicted_beta_star),
                                             std::exp(p.log_ci_high - p.log_predicted_beta_star)}}});
  j["crossover"] = {{"points", crossover},
                    {"log_n_local_measured", std::isnan(r.log_n_local_measured) ? nlohmann::json() : nlohmann::json(r.log_n_local_measured)},
                    {"log_n_local_theory", std::isnan(r.log_n_local_theory) ? nlohmann::json() : nlohmann::json(r.log_n_local_theory)},
                    {"rule", "measured: the smallest measured n from which on the 95% interval of every beta*(n) / (lambda* (n c)^(1/a')) "
                             "meets [0.95, 1.05]; "
                             "theory: P(E<=s) within 5% of c s^a' at the expected nearest distance"}};
  j["points"] = nlohmann::json::array();
  for (const auto& p : r.points)
    j["points"].push_back({{"n", p.n ? nlohmann::json(p.n) : nlohmann::json()},
                           {"log_n", p.log_n},
                           {"log_beta_star", p.log_beta_star},
                           {"log_ci_low", p.log_ci_low},
                           {"log_ci_high", p.log_ci_high},
                           {"log_predicted_beta_star", p.log_predicted_beta_star},
                           {"log_mean_e_min", p.log_mean_e_min},
                           {"beta_star", p.beta_star},
                           {"ci_low", p.ci_low},
                           {"ci_high", p.ci_high},
                           {"se_log", p.se_log},
                           {"predicted_beta_star", p.predicted_beta_star},
                           {"gaussian_scale", p.gaussian_scale},
                           {"rem_beta_star", std::isnan(p.rem_beta_star) ? nlohmann::json() : nlohmann::json(p.rem_beta_star)},
                           {"mean_e_min", p.mean_e_min},
                           {"local_law_error", p.local_law_error},
                           {"betas", p.betas},
                           {"mean_curve", p.mean_curve},
                           {"curve_stderr", p.curve_stderr}});
  return j;
}

namespace {
// n as printed: the count, or 1.0e300 style where it is held as log n.
std::string n_label(const CriticalPoint& p) {
  if (p.n) return std::to_string(p.n);
  const double l10 = p.log_n / std::log(10.0);
  const double e = std::floor(l10 + 1e-9);  // 1e250 is 10^249.99999...: not "10e249"
  return fmt::format("{:.3g}e{:.0f}", std::pow(10.0, l10 - e), e);
}
}  // namespace

std::string to_table(const CriticalResult& r) {
  std::string s = fmt::format("attnlim critical: d={}{} observable={} target={} trials={} backend={} ({}), {:.1f} s\n",
                              r.config.d, r.keys == UniformKeys::kName ? "" : " keys=" + r.keys, r.config.observable,
                              r.config.target, r.config.trials, r.backend, r.device, r.seconds);
  s += fmt::format("{:>12} {:>12} {:>25} {:>12} {:>9} {:>14} {:>12} {:>9}\n", "n", "beta*", "95% CI",
                   "local law", "ratio", "sqrt(2d log n)", "REM", "ratio");
  for (const auto& p : r.points) {
    // The REM law is for ipr only: other observables show n/a (null in the JSON), not nan.
    const bool rem = !std::isnan(p.rem_beta_star);
    // beta beyond a double (the order sampler at huge n) prints as e^x.
    const auto big = [](double log_value) {
      return log_value < 700 ? fmt::format("{:.5g}", std::exp(log_value)) : fmt::format("e^{:.6g}", log_value);
    };
    s += fmt::format("{:>12} {:>12} {:>25} {:>12} {:>9.4f} {:>14.4g} {:>12} {:>9}\n", n_label(p), big(p.log_beta_star),
                     fmt::format("[{}, {}]", big(p.log_ci_low), big(p.log_ci_high)), big(p.log_predicted_beta_star),
                     std::exp(p.log_beta_star - p.log_predicted_beta_star), p.gaussian_scale,
                     rem ? fmt::format("{:.5g}", p.rem_beta_star) : "n/a",
                     rem ? fmt::format("{:.4g}", std::exp(p.log_beta_star - std::log(p.rem_beta_star))) : "n/a");
  }
  const bool uniform = r.keys == UniformKeys::kName;
  s += uniform ? "(local law: lambda* (n c_d)^{2/(d-1)}; REM, ipr only: sqrt(2 d log n) / (1 - target))\n"
               : "(local law: lambda* (n c)^{1/a'} of the keys' P(E <= s) ~ c s^a'; REM, ipr only: sqrt(2 d log n) / (1 - target))\n";
  s += fmt::format("exponent: {:.4f}  95% CI [{:.4f}, {:.4f}]  predicted {} = {:.4f}  (chi2/dof = {:.2f}/{})\n",
                   r.fit.slope, r.fit.slope_ci_low, r.fit.slope_ci_high, uniform ? "2/(d-1)" : "1/a'", r.predicted_exponent,
                   r.fit.chi2, r.fit.dof);
  s += fmt::format("prefactor: {:.4g}  95% CI [{:.4g}, {:.4g}]  predicted {} = {:.4g} (lambda* = {:.5g})\n",
                   std::exp(r.fit.intercept), std::exp(r.fit.intercept_ci_low), std::exp(r.fit.intercept_ci_high),
                   uniform ? "lambda* c_d^(2/(d-1))" : "lambda* c^(1/a')", r.predicted_prefactor, r.lambda_star);
  s += fmt::format("prefactor at the predicted exponent: {:.4g}  95% CI [{:.4g}, {:.4g}]  (measured/predicted {:.4f})\n",
                   r.fixed_prefactor, r.fixed_prefactor_ci_low, r.fixed_prefactor_ci_high,
                   r.fixed_prefactor / r.predicted_prefactor);
  s += "local slopes:";
  for (const auto& ls : r.local_slopes)
    s += fmt::format(" {:.3f}±{:.3f}", ls["slope"].get<double>(), ls["stderr"].get<double>());
  s += fmt::format("\nregime: {} ({})\n", r.regime, r.regime_reason);
  const auto ten = [](double log_n) { return fmt::format("10^{:.1f}", log_n / std::log(10.0)); };
  s += fmt::format("local law within 5%: measured from n = {} on; theory (nearest key inside the power law) from n = {}\n",
                   std::isnan(r.log_n_local_measured) ? std::string("(no measured n)") : ten(r.log_n_local_measured),
                   std::isnan(r.log_n_local_theory) ? std::string("(no closed-form law)") : ten(r.log_n_local_theory));
  return s;
}

}  // namespace attnlim
