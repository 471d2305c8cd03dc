#include "attnlim/drivers/critical.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/core.h>

#include "attnlim/analysis/crossing.hpp"
#include "attnlim/analysis/statistics.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/grid.hpp"
#include "attnlim/keys/distance_law.hpp"
#include "attnlim/state/observables.hpp"
#include "attnlim/theory/critical.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

std::uint64_t smallest_crossing_n(const std::string& observable, double target) {
  const auto obs = observable_from_name(observable);
  // The observable at beta = 0 (all weights 1/n) is its extreme: ipr and w_max are >= 1/n and
  // entropy <= log n, so beta* exists only where 1/n < target (ipr, w_max) or target < log n.
  const auto crosses = [&](std::uint64_t n) {
    return obs == Observable::entropy ? std::log(static_cast<double>(n)) > target : 1.0 / static_cast<double>(n) < target;
  };
  const double edge = obs == Observable::entropy ? std::exp(target) : 1.0 / target;
  if (!(edge < static_cast<double>(kMaxKeys))) return 0;
  std::uint64_t n = std::max<std::uint64_t>(2, static_cast<std::uint64_t>(edge));
  while (n > 2 && crosses(n - 1)) --n;
  while (!crosses(n)) ++n;
  return n <= kMaxKeys ? n : 0;
}

void validate(const CriticalConfig& c) {
  if (c.d < 2 || c.d > kMaxDimension)
    throw InputError("d", fmt::format("must be between 2 and {} (got {})", kMaxDimension, c.d));
  const AnyKeyModel model = parse_key_model(c.keys, c.d);
  std::string why;
  if (!c.order && !supports_tier(model, c.sampler, &why)) throw InputError("keys", why);
  if (c.order) {
    std::string why_law;
    if (!distance_law(model, &why_law)) throw InputError("keys", why_law);
    if (!(c.log_n_min >= std::log(2.0))) throw InputError("n_min", "must be at least 2");
    if (!(c.log_n_max > c.log_n_min)) throw InputError("n_min", fmt::format("must be below {}", field_ref("n_max")));
    if (!std::isfinite(c.log_n_max)) throw InputError("n_max", "must be finite");
    if (c.n_points >= 2 && c.n_points <= kMaxGridPoints && critical_ns(c).size() < static_cast<std::size_t>(c.n_points))
      throw InputError("n_points", fmt::format("{} distinct n do not fit between {} and {}", c.n_points, field_ref("n_min"),
                                               field_ref("n_max")));
  }
  if (c.n_min < 2) throw InputError("n_min", fmt::format("must be at least 2 (got {})", c.n_min));
  if (c.n_max > kMaxKeys) throw InputError("n_max", fmt::format("must be at most {} (got {})", kMaxKeys, c.n_max));
  if (c.n_min > c.n_max)
    throw InputError("n_min", fmt::format("must not exceed {} (got {} > {})", field_ref("n_max"), c.n_min, c.n_max));
  if (c.n_points < 2) throw InputError("n_points", fmt::format("need at least 2 to fit an exponent (got {})", c.n_points));
  if (c.n_points > kMaxGridPoints)
    throw InputError("n_points", fmt::format("at most {} (got {})", kMaxGridPoints, c.n_points));
  if (!c.order && static_cast<std::uint64_t>(c.n_points) > c.n_max - c.n_min + 1)
    throw InputError("n_points", fmt::format("{} distinct n do not fit between {} and {}", c.n_points, c.n_min, c.n_max));
  if (c.trials < 8) throw InputError("trials", fmt::format("at least 8 are needed for a bootstrap (got {})", c.trials));
  if (c.trials > kMaxCriticalTrials)
    throw InputError("trials", fmt::format("at most {} (trial numbers from 2^31 on belong to the pilot pass; got {})",
                                 kMaxCriticalTrials, c.trials));
  const auto obs = observable_from_name(c.observable);
  if (obs != Observable::ipr && obs != Observable::w_max && obs != Observable::entropy)
    throw InputError("observable", "must be ipr, w_max or entropy (got '" + c.observable + "')");
  if (!std::isfinite(c.target)) throw InputError("target", "must be finite");
  if (obs == Observable::entropy ? !(c.target > 0) : !(c.target > 0 && c.target < 1))
    throw InputError("target", fmt::format("must be in {} for {} (got {})", obs == Observable::entropy ? "(0, inf)" : "(0, 1)",
                                 c.observable, c.target));
  if (c.grid_points < 4 || c.grid_points > kMaxBetas)
    throw InputError("grid_points", fmt::format("must be between 4 and {} (got {})", kMaxBetas, c.grid_points));
  if (c.resamples < 20 || c.resamples > kMaxResamples)
    throw InputError("bootstrap", fmt::format("must be between 20 and {} resamples (got {})", kMaxResamples, c.resamples));
  const std::uint64_t smallest = smallest_crossing_n(c.observable, c.target);
  if (smallest == 0)
    throw InputError("target", fmt::format("the mean {} crosses {} only at n > {:.3g}, beyond the largest supported n",
                                 c.observable, c.target, obs == Observable::entropy ? std::exp(c.target) : 1.0 / c.target));
  if (c.order ? c.log_n_min < std::log(static_cast<double>(smallest)) : c.n_min < smallest)
    throw InputError("n_min", fmt::format("the mean {} cannot cross {} at n = {} (it is {} for every beta); the "
                                 "smallest valid n is {}",
                                 c.observable, c.target, c.n_min, obs == Observable::entropy ? "at most log n" : "at least 1/n",
                                 smallest));
}

namespace {

// One pass at one n over a log-spaced beta grid: per-trial observable values [trial][beta].
struct Pass {
  std::vector<double> log_betas;
  std::vector<std::vector<double>> per_trial;
  double mean_e_min = 0, log_mean_e_min = 0;
};

std::uint64_t seed_key(const KeyCount& n) {
  if (n.is_exact()) return n.count();
  const double log_n = n.log();
  std::uint64_t bits = 0;
  std::memcpy(&bits, &log_n, sizeof bits);
  return bits;
}

Pass run_pass(Engine& engine, const CriticalConfig& cc, const AnyKeyModel& model, const KeyCount& n, double log_lo,
              double log_hi, int points, std::uint64_t trials, std::uint64_t first_trial, Observable obs,
              const KeysDone& progress) {
  RunSpec spec;
  spec.keys = model;
  spec.n = n;
  spec.top_k = static_cast<int>(n.is_exact() ? std::min<std::uint64_t>(cc.top_k, n.count()) : cc.top_k);
  spec.seed = point_seed(cc.seed, cc.d, seed_key(n));
  spec.tier = cc.sampler;
  // The order engine takes betas in a unit (beta* may be beyond a double); per-key engines absolute ones.
  spec.log_beta_unit = cc.order ? std::round(0.5 * (log_lo + log_hi)) : 0.0;
  Pass p;
  for (int i = 0; i < points; ++i) {
    p.log_betas.push_back(log_lo + (log_hi - log_lo) * i / (points - 1));
    spec.betas.push_back(std::exp(p.log_betas.back() - spec.log_beta_unit));
  }
  const auto states = engine.run(spec, WorkRange::all_keys(spec, trials, first_trial), progress);
  const double scale = states.empty() ? 0.0 : states.front().log_distance_scale;
  const std::vector<double> betas = state_betas(spec, scale);
  p.per_trial.assign(states.size(), std::vector<double>(points));
  double mean_min = 0.0;
  for (std::size_t t = 0; t < states.size(); ++t) {
    for (int b = 0; b < points; ++b) {
      const double v = trial_observables(states[t], b, betas[b])[index_of(obs)];
      // Entropy decreases with beta: cross its negative so every curve increases.
      p.per_trial[t][b] = obs == Observable::entropy ? -v : v;
    }
    mean_min += states[t].min_distance / static_cast<double>(states.size());
  }
  p.log_mean_e_min = std::log(mean_min) - scale;
  p.mean_e_min = std::exp(p.log_mean_e_min);
  return p;
}

// |P(E <= s) / (c s^a') - 1| at s = e^{log_s}: how far the nearest keys are from the local law's power law.
double local_law_error(const AnyKeyModel& model, const theory::LocalLaw& law, double log_s) {
  if (const auto exact = distance_law(model)) return std::abs(std::expm1(exact->log_cdf(log_s) - law.log_c - law.a * log_s));
  const double s = std::exp(log_s);
  return std::abs(std::expm1(distance_log_cdf(model, s) - law.log_c - law.a * log_s));
}

// How the predicted exponent and the local law are written in the reasons: uniform keys' names where the
// law is uniform keys' (the same text as before key models existed), the general ones otherwise.
struct LawLabels {
  std::string exponent, power_law;
};
LawLabels law_labels(const AnyKeyModel& model) {
  if (std::holds_alternative<UniformKeys>(model)) return {"2/(d-1)", "c_d s^a"};
  return {"1/a'", "c s^a'"};
}

}  // namespace

namespace {
std::uint64_t pilot_trials(const CriticalConfig& cc) { return std::max<std::uint64_t>(32, cc.trials / 8); }
}  // namespace

std::vector<KeyCount> critical_ns(const CriticalConfig& cc) {
  std::vector<KeyCount> out;
  if (!cc.order) {
    for (std::uint64_t n : log_spaced_n(cc.n_min, cc.n_max, cc.n_points)) out.push_back(KeyCount::exact(n));
    return out;
  }
  for (int i = 0; i < cc.n_points; ++i) {
    const double log_n = cc.log_n_min + (cc.log_n_max - cc.log_n_min) * i / (cc.n_points - 1);
    const double n = std::round(std::exp(log_n));
    const KeyCount count = n < 9007199254740992.0 ? KeyCount::exact(static_cast<std::uint64_t>(n)) : KeyCount::from_log(log_n);
    // Rounding to whole counts can repeat an n at small n: keep each once.
    if (!out.empty() && out.back().is_exact() && count.is_exact() && out.back().count() == count.count()) continue;
    out.push_back(count);
  }
  return out;
}

namespace {
// Work per trial in the engine's unit: n keys, or one trial for the order sampler.
double trial_work(const CriticalConfig& cc, const KeyCount& n) { return cc.order ? 1.0 : n.value(); }
}  // namespace

double planned_keys(const CriticalConfig& cc) {
  double keys = 0;
  for (const KeyCount& n : critical_ns(cc)) keys += trial_work(cc, n) * static_cast<double>(pilot_trials(cc) + cc.trials);
  return keys;
}

void predict_critical(CriticalResult& r, const AnyKeyModel& model) {
  const theory::LocalLaw law = local_law(model);
  const double a = law.a;
  const theory::LambdaStar star =
      theory::critical_lambda_star(a, theory::parse_observable(r.config.observable.c_str()), r.config.target);
  r.lambda_star = star.lambda;
  r.lambda_star_stderr = star.stderr_;
  r.predicted_exponent = 1.0 / a;
  r.predicted_prefactor = r.lambda_star * (std::isfinite(law.c) ? std::pow(law.c, 1.0 / a) : std::exp(law.log_c / a));
}

void predict_point(const CriticalResult& r, const AnyKeyModel& model, CriticalPoint& pt) {
  const theory::LocalLaw law = local_law(model);
  pt.log_predicted_beta_star = std::log(r.lambda_star) + (pt.log_n + law.log_c) / law.a;
  pt.predicted_beta_star = std::exp(pt.log_predicted_beta_star);
  pt.gaussian_scale = std::sqrt(2.0 * r.config.d * pt.log_n);
  pt.rem_beta_star = r.config.observable == "ipr" ? pt.gaussian_scale / (1.0 - r.config.target) : std::nan("");
  if (std::isfinite(pt.log_mean_e_min)) pt.local_law_error = local_law_error(model, law, pt.log_mean_e_min);
}

void set_crossing(CriticalPoint& pt, const CrossingEstimate& est) {
  pt.log_beta_star = est.log_beta;
  pt.beta_star = std::exp(est.log_beta);
  pt.ci_low = std::exp(est.ci_low);
  pt.ci_high = std::exp(est.ci_high);
  pt.log_ci_low = est.ci_low;
  pt.log_ci_high = est.ci_high;
  pt.se_log = est.se;
}

void fit_critical(CriticalResult& r, const AnyKeyModel& model) {
  const theory::LocalLaw law = local_law(model);
  const double a = law.a;
  std::vector<double> x, y, se, xg;
  for (const auto& p : r.points) {
    x.push_back(p.log_n);
    xg.push_back(std::log(p.gaussian_scale));
    y.push_back(p.log_beta_star);
    se.push_back(std::max(p.se_log, 1e-6));
  }
  r.fit = weighted_fit(x, y, se);
  r.gaussian_fit = weighted_fit(xg, y, se);
  const FixedSlopeFit fixed = fixed_slope_fit(x, y, se, r.predicted_exponent);
  r.fixed_prefactor = std::exp(fixed.intercept);
  r.fixed_prefactor_ci_low = std::exp(fixed.ci_low);
  r.fixed_prefactor_ci_high = std::exp(fixed.ci_high);
  for (std::size_t i = 0; i + 1 < r.points.size(); ++i) {
    const double dx = x[i + 1] - x[i];
    r.local_slopes.push_back({{"n_low", r.points[i].n ? nlohmann::json(r.points[i].n) : nlohmann::json()},
                              {"n_high", r.points[i + 1].n ? nlohmann::json(r.points[i + 1].n) : nlohmann::json()},
                              {"log_n_low", r.points[i].log_n},
                              {"log_n_high", r.points[i + 1].log_n},
                              {"slope", (y[i + 1] - y[i]) / dx},
                              {"stderr", std::hypot(se[i], se[i + 1]) / dx}});
  }
  // Crossover: from which measured point on beta* agrees with the local law's prediction within 5%: every
  // later point's 95% interval of beta* / prediction meets [0.95, 1.05].
  r.log_n_local_measured = std::nan("");
  for (std::size_t i = r.points.size(); i-- > 0;) {
    const CriticalPoint& p = r.points[i];
    if (p.log_ci_high - p.log_predicted_beta_star < std::log(0.95) ||
        p.log_ci_low - p.log_predicted_beta_star > std::log(1.05))
      break;
    r.log_n_local_measured = p.log_n;
  }
  // ... and where theory says the nearest key enters it: P(E <= s) within 5% of c s^a' at s = the expected
  // E_(1) ~ Gamma(1 + 1/a') / (n c)^{1/a'}; bisection in log n (the error falls as n grows).
  r.log_n_local_theory = std::nan("");
  if (distance_law(model)) {
    const auto error_at = [&](double log_n) {
      const double log_s = std::lgamma(1.0 + 1.0 / a) - (log_n + law.log_c) / a;
      return log_s >= std::log(2.0) ? 1.0 : local_law_error(model, law, log_s);
    };
    double lo = 0.0, hi = 1.0;
    while (error_at(hi) > 0.05 && hi < 1e7) hi *= 2.0;
    if (error_at(hi) <= 0.05) {
      for (int it = 0; it < 100; ++it) {
        const double mid = 0.5 * (lo + hi);
        (error_at(mid) > 0.05 ? lo : hi) = mid;
      }
      r.log_n_local_theory = hi;
    }
  }
  {
    std::vector<double> lx, ly, lse;
    for (std::size_t i = 0; i < r.points.size(); ++i)
      if (!std::isnan(r.log_n_local_theory) && r.points[i].log_n >= r.log_n_local_theory) {
        lx.push_back(x[i]);
        ly.push_back(y[i]);
        lse.push_back(se[i]);
      }
    r.local_points = static_cast<int>(lx.size());
    if (lx.size() >= 3) r.local_fit = weighted_fit(lx, ly, lse);
  }
  // The local law needs the nearest keys deep inside the power-law regime of the distance CDF.
  const double worst = r.points.back().local_law_error;
  const LawLabels labels = law_labels(model);
  const std::string& label = labels.exponent;
  if (worst < 0.05 && r.fit.slope_ci_low <= r.predicted_exponent && r.predicted_exponent <= r.fit.slope_ci_high) {
    r.regime = "local";
    r.regime_reason = fmt::format("P(E<=s) is within {:.1f}% of {} at the largest n's mean E_(1), and the fitted "
                                  "exponent's interval covers {}", 100 * worst, labels.power_law, label);
  } else {
    r.regime = "pre-asymptotic";
    r.regime_reason = fmt::format(
        "at the largest n the mean nearest distance is {:.3g}, where P(E<=s) differs from the power law {} by {:.1f}%; "
        "fitted exponent {:.3f} vs {} = {:.3f}; against the Gaussian-score scale sqrt(2 d log n) the slope is {:.3f} "
        "(1 if that law held)",
        r.points.back().mean_e_min, labels.power_law, 100 * worst, r.fit.slope, label, r.predicted_exponent,
        r.gaussian_fit.slope);
  }
}

CriticalResult run_critical(Engine& engine, const CriticalConfig& cc, const ProgressCallback& progress) {
  validate(cc);
  const AnyKeyModel model = parse_key_model(cc.keys, cc.d);
  {
    // The engine must take the run before any work: at the largest n, a beta at the predicted scale.
    RunSpec probe{model, cc.sampler, {1.0}, 0, false, cc.seed,
                  cc.order ? KeyCount::from_log(cc.log_n_max) : KeyCount::exact(cc.n_max)};
    if (cc.order) probe.log_beta_unit = log_rescale(probe);
    if (auto refused = engine.refusal(probe)) throw *refused;
  }
  const Observable obs = *observable_from_name(cc.observable);
  const double target = obs == Observable::entropy ? -cc.target : cc.target;
  CriticalResult r;
  r.config = cc;
  r.keys = describe(model);
  r.backend = engine.name();
  r.device = engine.device();
  const theory::LocalLaw law = local_law(model);
  const double a = law.a;
  predict_critical(r, model);
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t pilot_first_trial = std::uint64_t{1} << 31;  // a counter range the fine pass never uses
  const std::vector<KeyCount> ns = critical_ns(cc);
  double planned = planned_keys(cc);
  for (std::size_t point = 0; point < ns.size(); ++point) {
    const KeyCount count = ns[point];
    const std::string n = count.text();
    // Progress within a pass: keys done so far plus the pass's own; a retried pass adds to the plan.
    const auto pass_progress = [&](std::uint64_t unplanned_keys) -> KeysDone {
      planned += static_cast<double>(unplanned_keys);
      if (!progress) return {};
      return [&, n, point](double done) {
        progress(ProgressUpdate{fmt::format("critical d={} n={} ({}/{})", cc.d, n, point + 1, ns.size()),
                                r.keys_run + done, planned, engine.work_unit()});
      };
    };
    CriticalPoint pt;
    pt.n = count.is_exact() ? count.count() : 0;
    pt.log_n = count.log();
    predict_point(r, model, pt);
    // Pilot: a wide grid (a factor e^7 either way of the prediction), widened until the mean crosses.
    double centre = std::log(r.lambda_star) + (count.log() + law.log_c) / a, half = 7.0, pilot_cross = std::nan("");
    for (int attempt = 0; attempt < 4 && std::isnan(pilot_cross); ++attempt, half *= 2) {
      const std::uint64_t pilot_keys = static_cast<std::uint64_t>(trial_work(cc, count) * pilot_trials(cc));
      const Pass pilot = run_pass(engine, cc, model, count, centre - half, centre + half, kMaxBetas, pilot_trials(cc),
                                  pilot_first_trial, obs, pass_progress(attempt ? pilot_keys : 0));
      r.keys_run += static_cast<double>(pilot_keys);
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
      const std::uint64_t fine_keys = static_cast<std::uint64_t>(trial_work(cc, count) * cc.trials);
      fine = run_pass(engine, cc, model, count, pilot_cross - width, pilot_cross + width, cc.grid_points, cc.trials, 0, obs,
                      pass_progress(attempt ? fine_keys : 0));
      r.keys_run += static_cast<double>(fine_keys);
      est = estimate_crossing(fine.log_betas, fine.per_trial, target, cc.resamples,
                              point_seed(cc.seed ^ 0xb007, cc.d, seed_key(count)));
      if (!std::isnan(est.log_beta) && est.failed_resamples <= cc.resamples / 100) break;
    }
    set_crossing(pt, est);
    pt.mean_e_min = fine.mean_e_min;
    pt.log_mean_e_min = fine.log_mean_e_min;
    pt.local_law_error = local_law_error(model, law, pt.log_mean_e_min);
    for (std::size_t b = 0; b < fine.log_betas.size(); ++b) {
      Moments m;
      for (const auto& row : fine.per_trial) m.add(obs == Observable::entropy ? -row[b] : row[b]);
      pt.betas.push_back(std::exp(fine.log_betas[b]));
      pt.mean_curve.push_back(m.mean);
      pt.curve_stderr.push_back(m.stderr_of_mean());
    }
    r.points.push_back(pt);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fit_critical(r, model);
  return r;
}

}  // namespace attnlim
