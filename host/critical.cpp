#include "attnlim/critical.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/core.h>

#include "attnlim/errors.hpp"
#include "attnlim/theory.hpp"

namespace attnlim {

double crossing_log_beta(const std::vector<double>& log_betas, const std::vector<double>& curve, double target) {
  for (std::size_t b = 0; b + 1 < curve.size(); ++b) {
    const double lo = curve[b] - target, hi = curve[b + 1] - target;
    if (lo == 0.0) return log_betas[b];
    if ((lo < 0.0) != (hi < 0.0) || hi == 0.0) {
      const double t = lo / (lo - hi);
      return log_betas[b] + t * (log_betas[b + 1] - log_betas[b]);
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

static std::vector<double> mean_curve(const std::vector<std::vector<double>>& per_trial,
                                      const std::vector<std::size_t>& rows) {
  std::vector<double> mean(per_trial.front().size(), 0.0);
  for (std::size_t r : rows)
    for (std::size_t b = 0; b < mean.size(); ++b) mean[b] += per_trial[r][b];
  for (double& m : mean) m /= static_cast<double>(rows.size());
  return mean;
}

CrossingEstimate estimate_crossing(const std::vector<double>& log_betas,
                                   const std::vector<std::vector<double>>& per_trial, double target,
                                   int resamples, std::uint64_t seed) {
  CrossingEstimate est;
  const std::size_t trials = per_trial.size();
  std::vector<std::size_t> rows(trials);
  std::iota(rows.begin(), rows.end(), 0);
  est.log_beta = crossing_log_beta(log_betas, mean_curve(per_trial, rows), target);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, trials - 1);
  std::vector<double> boot;
  for (int r = 0; r < resamples; ++r) {
    for (auto& row : rows) row = pick(rng);
    const double x = crossing_log_beta(log_betas, mean_curve(per_trial, rows), target);
    if (std::isnan(x))
      ++est.failed_resamples;
    else
      boot.push_back(x);
  }
  if (boot.size() >= 2) {
    Moments m;
    for (double x : boot) m.add(x);
    est.se = m.sd();
    est.ci_low = quantile(boot, 0.025);
    est.ci_high = quantile(boot, 0.975);
  } else {
    est.se = est.ci_low = est.ci_high = std::numeric_limits<double>::quiet_NaN();
  }
  return est;
}

LinearFit weighted_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& se) {
  const std::size_t n = x.size();
  if (n < 2 || y.size() != n || se.size() != n) throw std::invalid_argument("weighted_fit: need >= 2 points of equal length");
  double sw = 0, swx = 0, swy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(se[i] > 0)) throw std::invalid_argument("weighted_fit: standard errors must be > 0");
    const double w = 1.0 / (se[i] * se[i]);
    sw += w, swx += w * x[i], swy += w * y[i];
  }
  const double xbar = swx / sw, ybar = swy / sw;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = 1.0 / (se[i] * se[i]);
    sxx += w * (x[i] - xbar) * (x[i] - xbar);
    sxy += w * (x[i] - xbar) * (y[i] - ybar);
  }
  LinearFit f;
  f.slope = sxy / sxx;
  f.intercept = ybar - f.slope * xbar;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = (y[i] - f.intercept - f.slope * x[i]) / se[i];
    f.chi2 += r * r;
  }
  f.dof = static_cast<int>(n) - 2;
  f.scale = f.dof > 0 ? std::max(1.0, std::sqrt(f.chi2 / f.dof)) : 1.0;
  f.slope_se = f.scale / std::sqrt(sxx);
  f.intercept_se = f.scale * std::sqrt(1.0 / sw + xbar * xbar / sxx);
  // With exactly two points there is no residual dof: fall back to the normal quantile.
  const double q = f.dof > 0 ? boost::math::quantile(boost::math::students_t(f.dof), 0.975) : 1.959963984540054;
  f.slope_ci_low = f.slope - q * f.slope_se;
  f.slope_ci_high = f.slope + q * f.slope_se;
  f.intercept_ci_low = f.intercept - q * f.intercept_se;
  f.intercept_ci_high = f.intercept + q * f.intercept_se;
  return f;
}

std::uint64_t smallest_crossing_n(const std::string& observable, double target) {
  const int obs = observable_from_name(observable);
  // The observable at beta = 0 (all weights 1/n) is its extreme: ipr and w_max are >= 1/n and
  // entropy <= log n, so beta* exists only where 1/n < target (ipr, w_max) or target < log n.
  const auto crosses = [&](std::uint64_t n) {
    return obs == entropy ? std::log(static_cast<double>(n)) > target : 1.0 / static_cast<double>(n) < target;
  };
  const double edge = obs == entropy ? std::exp(target) : 1.0 / target;
  if (!(edge < static_cast<double>(kMaxKeys))) return 0;
  std::uint64_t n = std::max<std::uint64_t>(2, static_cast<std::uint64_t>(edge));
  while (n > 2 && crosses(n - 1)) --n;
  while (!crosses(n)) ++n;
  return n <= kMaxKeys ? n : 0;
}

void validate(const CriticalConfig& c) {
  if (c.d < 2 || c.d > kMaxDimension)
    throw InputError(fmt::format("--d: must be between 2 and {} (got {})", kMaxDimension, c.d));
  if (c.n_min < 2) throw InputError(fmt::format("--n-min: must be at least 2 (got {})", c.n_min));
  if (c.n_max > kMaxKeys) throw InputError(fmt::format("--n-max: must be at most {} (got {})", kMaxKeys, c.n_max));
  if (c.n_min > c.n_max)
    throw InputError(fmt::format("--n-min: must not exceed --n-max (got {} > {})", c.n_min, c.n_max));
  if (c.n_points < 2) throw InputError(fmt::format("--n-points: need at least 2 to fit an exponent (got {})", c.n_points));
  if (c.n_points > kMaxGridPoints)
    throw InputError(fmt::format("--n-points: at most {} (got {})", kMaxGridPoints, c.n_points));
  if (static_cast<std::uint64_t>(c.n_points) > c.n_max - c.n_min + 1)
    throw InputError(fmt::format("--n-points: {} distinct n do not fit between {} and {}", c.n_points, c.n_min, c.n_max));
  if (c.trials < 8) throw InputError(fmt::format("--trials: at least 8 are needed for a bootstrap (got {})", c.trials));
  if (c.trials > kMaxCriticalTrials)
    throw InputError(fmt::format("--trials: at most {} (trial numbers from 2^31 on belong to the pilot pass; got {})",
                                 kMaxCriticalTrials, c.trials));
  const int obs = observable_from_name(c.observable);
  if (obs != ipr && obs != w_max && obs != entropy)
    throw InputError("--observable: must be ipr, w_max or entropy (got '" + c.observable + "')");
  if (!std::isfinite(c.target)) throw InputError("--target: must be finite");
  if (obs == entropy ? !(c.target > 0) : !(c.target > 0 && c.target < 1))
    throw InputError(fmt::format("--target: must be in {} for {} (got {})", obs == entropy ? "(0, inf)" : "(0, 1)",
                                 c.observable, c.target));
  if (c.grid_points < 4 || c.grid_points > kMaxBetas)
    throw InputError(fmt::format("--grid-points: must be between 4 and {} (got {})", kMaxBetas, c.grid_points));
  if (c.resamples < 20 || c.resamples > kMaxResamples)
    throw InputError(fmt::format("--bootstrap: must be between 20 and {} resamples (got {})", kMaxResamples, c.resamples));
  if (c.threads < 0 || c.threads > kMaxThreads)
    throw InputError(fmt::format("--threads: must be between 0 and {} (got {})", kMaxThreads, c.threads));
  const std::uint64_t smallest = smallest_crossing_n(c.observable, c.target);
  if (smallest == 0)
    throw InputError(fmt::format("--target: the mean {} crosses {} only at n > {:.3g}, beyond the largest supported n",
                                 c.observable, c.target, obs == entropy ? std::exp(c.target) : 1.0 / c.target));
  if (c.n_min < smallest)
    throw InputError(fmt::format("--n-min: the mean {} cannot cross {} at n = {} (it is {} for every beta); the "
                                 "smallest valid n is {}",
                                 c.observable, c.target, c.n_min, obs == entropy ? "at most log n" : "at least 1/n",
                                 smallest));
}

std::vector<std::uint64_t> log_spaced_n(std::uint64_t n_min, std::uint64_t n_max, int points) {
  std::vector<std::uint64_t> ns;
  const double lo = std::log(static_cast<double>(n_min)), hi = std::log(static_cast<double>(n_max));
  for (int i = 0; i < points; ++i) {
    const double x = points == 1 ? lo : lo + (hi - lo) * i / (points - 1);
    // The ends exactly (exp(log n) is off by thousands near 2^63); no llround: n reaches 2^63.
    const double rounded = std::round(std::exp(x));
    std::uint64_t n = i == 0 ? n_min
                      : i == points - 1 || rounded >= static_cast<double>(n_max) ? n_max
                                                                                 : static_cast<std::uint64_t>(rounded);
    n = std::clamp(n, n_min, n_max);
    if (!ns.empty() && n <= ns.back()) n = ns.back() + 1;
    ns.push_back(n);
  }
  return ns;
}

std::uint64_t point_seed(std::uint64_t seed, int d, std::uint64_t n) {
  // splitmix64 of the seed mixed with the point: distinct points get unrelated Philox keys.
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  return mix(mix(seed) ^ mix(static_cast<std::uint64_t>(d) * 0x100000001b3ULL) ^ mix(n + 0x5bd1e995ULL));
}

namespace {

// One pass at one n over a log-spaced beta grid: per-trial observable values [trial][beta].
struct Pass {
  std::vector<double> log_betas;
  std::vector<std::vector<double>> per_trial;
  double mean_e_min = 0;
  std::string backend, device;
};

Pass run_pass(const CriticalConfig& cc, std::uint64_t n, double log_lo, double log_hi, int points,
              std::uint64_t trials, std::uint64_t first_trial, int obs) {
  SimConfig c;
  c.d = cc.d;
  c.n = n;
  c.trials = trials;
  c.first_trial = first_trial;
  c.top_k = static_cast<int>(std::min<std::uint64_t>(cc.top_k, n));
  c.seed = point_seed(cc.seed, cc.d, n);
  c.sampler = cc.sampler;
  c.threads = cc.threads;
  Pass p;
  for (int i = 0; i < points; ++i) {
    p.log_betas.push_back(log_lo + (log_hi - log_lo) * i / (points - 1));
    c.betas.push_back(std::exp(p.log_betas.back()));
  }
  validate(c);
  const auto states = run_backend(c, cc.backend, &p.backend, &p.device);
  p.per_trial.assign(states.size(), std::vector<double>(points));
  for (std::size_t t = 0; t < states.size(); ++t) {
    for (int b = 0; b < points; ++b) {
      const double v = trial_observables(states[t], b, c.betas[b])[obs];
      // Entropy decreases with beta: cross its negative so every curve increases.
      p.per_trial[t][b] = obs == entropy ? -v : v;
    }
    p.mean_e_min += states[t].min_distance / static_cast<double>(states.size());
  }
  return p;
}

}  // namespace

CriticalResult run_critical(const CriticalConfig& cc, const std::function<void(const std::string&)>& progress) {
  validate(cc);
  const int obs = observable_from_name(cc.observable);
  const double target = obs == entropy ? -cc.target : cc.target;
  CriticalResult r;
  r.config = cc;
  const double a = theory::local_exponent(cc.d);
  const theory::LambdaStar star =
      theory::critical_lambda_star(a, theory::parse_observable(cc.observable.c_str()), cc.target);
  r.lambda_star = star.lambda;
  r.lambda_star_stderr = star.stderr_;
  r.predicted_exponent = 2.0 / (cc.d - 1);
  r.predicted_prefactor = r.lambda_star * std::pow(theory::c_d(cc.d), 1.0 / a);
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t pilot_trials = std::max<std::uint64_t>(32, cc.trials / 8);
  const std::uint64_t pilot_first_trial = std::uint64_t{1} << 31;  // a counter range the fine pass never uses
  for (std::uint64_t n : log_spaced_n(cc.n_min, cc.n_max, cc.n_points)) {
    CriticalPoint pt;
    pt.n = n;
    pt.predicted_beta_star = r.lambda_star * theory::critical_scale(cc.d, static_cast<double>(n));
    pt.gaussian_scale = std::sqrt(2.0 * cc.d * std::log(static_cast<double>(n)));
    pt.rem_beta_star = obs == ipr ? pt.gaussian_scale / (1.0 - cc.target) : std::nan("");
    // Pilot: a wide grid (a factor e^7 either way of the prediction), widened until the mean crosses.
    double centre = std::log(pt.predicted_beta_star), half = 7.0, pilot_cross = std::nan("");
    for (int attempt = 0; attempt < 4 && std::isnan(pilot_cross); ++attempt, half *= 2) {
      const Pass pilot = run_pass(cc, n, centre - half, centre + half, kMaxBetas, pilot_trials, pilot_first_trial, obs);
      r.keys += static_cast<double>(n) * pilot_trials;
      std::vector<double> mean(kMaxBetas, 0.0);
      for (const auto& row : pilot.per_trial)
        for (int b = 0; b < kMaxBetas; ++b) mean[b] += row[b] / pilot.per_trial.size();
      pilot_cross = crossing_log_beta(pilot.log_betas, mean, target);
    }
    if (std::isnan(pilot_cross))
      throw std::runtime_error(fmt::format("n = {}: the mean {} never crosses {} for beta in [{:.3g}, {:.3g}]", n,
                                           cc.observable, cc.target, std::exp(centre - half), std::exp(centre + half)));
    // Fine pass around the pilot's crossing, with every trial.
    double width = cc.grid_half_width;
    Pass fine;
    CrossingEstimate est;
    for (int attempt = 0; attempt < 3; ++attempt, width *= 2) {
      fine = run_pass(cc, n, pilot_cross - width, pilot_cross + width, cc.grid_points, cc.trials, 0, obs);
      r.keys += static_cast<double>(n) * cc.trials;
      est = estimate_crossing(fine.log_betas, fine.per_trial, target, cc.resamples, point_seed(cc.seed ^ 0xb007, cc.d, n));
      if (!std::isnan(est.log_beta) && est.failed_resamples <= cc.resamples / 100) break;
    }
    r.backend = fine.backend;
    r.device = fine.device;
    pt.beta_star = std::exp(est.log_beta);
    pt.ci_low = std::exp(est.ci_low);
    pt.ci_high = std::exp(est.ci_high);
    pt.se_log = est.se;
    pt.mean_e_min = fine.mean_e_min;
    pt.local_law_error = std::abs(std::expm1(theory::log_distance_cdf(cc.d, pt.mean_e_min) - theory::log_c_d(cc.d) -
                                             a * std::log(pt.mean_e_min)));
    for (std::size_t b = 0; b < fine.log_betas.size(); ++b) {
      Moments m;
      for (const auto& row : fine.per_trial) m.add(obs == entropy ? -row[b] : row[b]);
      pt.betas.push_back(std::exp(fine.log_betas[b]));
      pt.mean_curve.push_back(m.mean);
      pt.curve_stderr.push_back(m.stderr_of_mean());
    }
    r.points.push_back(pt);
    if (progress)
      progress(fmt::format("d={} n={}: beta* = {:.5g} [{:.5g}, {:.5g}], predicted {:.5g}", cc.d, n, pt.beta_star,
                           pt.ci_low, pt.ci_high, pt.predicted_beta_star));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> x, y, se, xg;
  for (const auto& p : r.points) {
    x.push_back(std::log(static_cast<double>(p.n)));
    xg.push_back(std::log(p.gaussian_scale));
    y.push_back(std::log(p.beta_star));
    se.push_back(std::max(p.se_log, 1e-6));
  }
  r.fit = weighted_fit(x, y, se);
  r.gaussian_fit = weighted_fit(xg, y, se);
  {
    double sw = 0, swy = 0, chi2 = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double w = 1.0 / (se[i] * se[i]);
      sw += w, swy += w * (y[i] - r.predicted_exponent * x[i]);
    }
    const double mean = swy / sw;
    for (std::size_t i = 0; i < x.size(); ++i) chi2 += std::pow((y[i] - r.predicted_exponent * x[i] - mean) / se[i], 2);
    const int dof = static_cast<int>(x.size()) - 1;
    const double half = boost::math::quantile(boost::math::students_t(dof), 0.975) *
                        std::max(1.0, std::sqrt(chi2 / dof)) / std::sqrt(sw);
    r.fixed_prefactor = std::exp(mean);
    r.fixed_prefactor_ci_low = std::exp(mean - half);
    r.fixed_prefactor_ci_high = std::exp(mean + half);
  }
  for (std::size_t i = 0; i + 1 < r.points.size(); ++i) {
    const double dx = x[i + 1] - x[i];
    r.local_slopes.push_back({{"n_low", r.points[i].n},
                              {"n_high", r.points[i + 1].n},
                              {"slope", (y[i + 1] - y[i]) / dx},
                              {"stderr", std::hypot(se[i], se[i + 1]) / dx}});
  }
  // The local law needs the nearest keys deep inside the power-law regime of the distance CDF.
  const double worst = r.points.back().local_law_error;
  if (worst < 0.05 && r.fit.slope_ci_low <= r.predicted_exponent && r.predicted_exponent <= r.fit.slope_ci_high) {
    r.regime = "local";
    r.regime_reason = fmt::format("P(E<=s) is within {:.1f}% of c_d s^a at the largest n's mean E_(1), and the fitted "
                                  "exponent's interval covers 2/(d-1)", 100 * worst);
  } else {
    r.regime = "pre-asymptotic";
    r.regime_reason = fmt::format(
        "at the largest n the mean nearest distance is {:.3g}, where P(E<=s) differs from the power law c_d s^a by {:.1f}%; "
        "fitted exponent {:.3f} vs 2/(d-1) = {:.3f}; against the Gaussian-score scale sqrt(2 d log n) the slope is {:.3f} "
        "(1 if that law held)",
        r.points.back().mean_e_min, 100 * worst, r.fit.slope, r.predicted_exponent, r.gaussian_fit.slope);
  }
  return r;
}

nlohmann::json to_json(const CriticalResult& r) {
  nlohmann::json j;
  const CriticalConfig& c = r.config;
  j["config"] = {{"d", c.d},           {"n_min", c.n_min},         {"n_max", c.n_max},
                 {"n_points", c.n_points}, {"trials", c.trials},   {"observable", c.observable},
                 {"target", c.target}, {"grid_points", c.grid_points}, {"bootstrap", c.resamples},
                 {"seed", c.seed},     {"sampler", sampler_name(c.sampler)}};
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["seconds"] = r.seconds;
  j["keys_per_second"] = r.keys / std::max(r.seconds, 1e-9);
  j["lambda_star"] = r.lambda_star;
  j["lambda_star_stderr"] = r.lambda_star_stderr;
  j["exponent"] = {{"estimate", r.fit.slope}, {"stderr", r.fit.slope_se}, {"ci_low", r.fit.slope_ci_low},
                   {"ci_high", r.fit.slope_ci_high}, {"chi2", r.fit.chi2}, {"dof", r.fit.dof}};
  j["predicted_exponent"] = r.predicted_exponent;
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
  j["points"] = nlohmann::json::array();
  for (const auto& p : r.points)
    j["points"].push_back({{"n", p.n},
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

std::string to_table(const CriticalResult& r) {
  std::string s = fmt::format("attnlim critical: d={} observable={} target={} trials={} backend={} ({}), {:.1f} s\n",
                              r.config.d, r.config.observable, r.config.target, r.config.trials, r.backend, r.device,
                              r.seconds);
  s += fmt::format("{:>12} {:>12} {:>25} {:>12} {:>9} {:>14} {:>12} {:>9}\n", "n", "beta*", "95% CI",
                   "local law", "ratio", "sqrt(2d log n)", "REM", "ratio");
  for (const auto& p : r.points) {
    // The REM law is for ipr only: other observables show n/a (null in the JSON), not nan.
    const bool rem = !std::isnan(p.rem_beta_star);
    s += fmt::format("{:>12} {:>12.5g} {:>25} {:>12.5g} {:>9.4f} {:>14.4g} {:>12} {:>9}\n", p.n, p.beta_star,
                     fmt::format("[{:.5g}, {:.5g}]", p.ci_low, p.ci_high), p.predicted_beta_star,
                     p.beta_star / p.predicted_beta_star, p.gaussian_scale,
                     rem ? fmt::format("{:.5g}", p.rem_beta_star) : "n/a",
                     rem ? fmt::format("{:.4f}", p.beta_star / p.rem_beta_star) : "n/a");
  }
  s += "(local law: lambda* (n c_d)^{2/(d-1)}; REM, ipr only: sqrt(2 d log n) / (1 - target))\n";
  s += fmt::format("exponent: {:.4f}  95% CI [{:.4f}, {:.4f}]  predicted 2/(d-1) = {:.4f}  (chi2/dof = {:.2f}/{})\n",
                   r.fit.slope, r.fit.slope_ci_low, r.fit.slope_ci_high, r.predicted_exponent, r.fit.chi2, r.fit.dof);
  s += fmt::format("prefactor: {:.4g}  95% CI [{:.4g}, {:.4g}]  predicted lambda* c_d^(2/(d-1)) = {:.4g} (lambda* = {:.5g})\n",
                   std::exp(r.fit.intercept), std::exp(r.fit.intercept_ci_low), std::exp(r.fit.intercept_ci_high),
                   r.predicted_prefactor, r.lambda_star);
  s += fmt::format("prefactor at the predicted exponent: {:.4g}  95% CI [{:.4g}, {:.4g}]  (measured/predicted {:.4f})\n",
                   r.fixed_prefactor, r.fixed_prefactor_ci_low, r.fixed_prefactor_ci_high,
                   r.fixed_prefactor / r.predicted_prefactor);
  s += "local slopes:";
  for (const auto& ls : r.local_slopes)
    s += fmt::format(" {:.3f}±{:.3f}", ls["slope"].get<double>(), ls["stderr"].get<double>());
  s += fmt::format("\nregime: {} ({})\n", r.regime, r.regime_reason);
  return s;
}

}  // namespace attnlim
