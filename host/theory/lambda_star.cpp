// lambda*: the lambda at which a limit observable of the critical law reaches a target (THEORY.md
// section 3): root-finding on the exact Mecke values (ipr, entropy) or on the exact sampler with common
// random numbers (w_max).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/tools/roots.hpp>

#include "attnlim/core/errors.hpp"
#include "critical_common.hpp"

namespace attnlim::theory {

using namespace detail;

// --- inverse ---------------------------------------------------------------------------------

CriticalObservable parse_observable(const char* name) {
  if (std::strcmp(name, "ipr") == 0) return CriticalObservable::ipr;
  if (std::strcmp(name, "w_max") == 0) return CriticalObservable::w_max;
  if (std::strcmp(name, "entropy") == 0) return CriticalObservable::entropy;
  refuse("observable", fmt::format("must be ipr, w_max or entropy (got '{}')", name), "parse_observable");
}

const char* observable_name(CriticalObservable observable) {
  switch (observable) {
    case CriticalObservable::ipr: return "ipr";
    case CriticalObservable::w_max: return "w_max";
    case CriticalObservable::entropy: return "entropy";
  }
  return "?";
}

namespace {

// Root of an increasing function of log lambda in [log kLambdaStarMin, log kLambdaStarMax], bracketed by
// geometric expansion from lambda0 that never leaves the range. nullopt where f has no sign change there.
template <class F>
std::optional<double> solve_increasing_in_log_lambda(F f, double lambda0, int bits) {
  const double log_min = std::log(kLambdaStarMin), log_max = std::log(kLambdaStarMax);
  double lo = std::clamp(std::log(lambda0), log_min, log_max), hi = lo;
  double f_lo = f(lo), f_hi = f_lo;
  for (double step = 1.0; f_lo > 0; step *= 1.5) {
    if (lo == log_min) return std::nullopt;
    hi = lo;
    f_hi = f_lo;
    lo = std::max(log_min, lo - step);
    f_lo = f(lo);
  }
  for (double step = 1.0; f_hi < 0; step *= 1.5) {
    if (hi == log_max) return std::nullopt;
    lo = hi;
    f_lo = f_hi;
    hi = std::min(log_max, hi + step);
    f_hi = f(hi);
  }
  if (f_lo == 0) return std::exp(lo);
  if (f_hi == 0) return std::exp(hi);
  boost::math::tools::eps_tolerance<double> tol(bits);
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(f, lo, hi, f_lo, f_hi, tol, iterations);
  return std::exp(0.5 * (root.first + root.second));
}

// The Mecke observables at the ends of the lambda range: the targets they can reach.
InputError unreachable(double a, CriticalObservable observable, double target) {
  const bool entropy = observable == CriticalObservable::entropy;
  const double at_min = entropy ? critical_entropy(a, kLambdaStarMin) : critical_ipr(a, kLambdaStarMin);
  const double at_max = entropy ? critical_entropy(a, kLambdaStarMax) : critical_ipr(a, kLambdaStarMax);
  return InputError("target", fmt::format(
      "the limit {} at local exponent a = {} takes the values ({:.4g}, {:.4g}) for lambda in [{:g}, {:g}] "
      "({}), so a target of {:g} is out of reach",
      observable_name(observable), a, std::min(at_min, at_max), std::max(at_min, at_max), kLambdaStarMin,
      kLambdaStarMax,
      entropy ? "it falls like (pi^2/6) a Gamma(2 - 1/a) / lambda at large lambda and grows like a log(1/lambda) at small"
              : "it rises like (lambda/2)^a / Gamma(a+1) at small lambda and to 1 - a Gamma(2 - 1/a) / lambda at large",
      target));
}

// w_max. E[sum W^2] <= E[max W], so at lambda_ipr(target) the mean w_max is at least the target and
// lambda* lies below. From there the bracket steps down geometrically with a pilot (the first <= 128
// trials: the same draws as the full sample) until the pilot's w_max is below the target, so the
// sampler only runs near the answer, which in the subcritical regime is ~lambda_ipr(target)/2 (there
// w_max ~ lambda^a/Gamma(a+1) and ipr ~ (lambda/2)^a/Gamma(a+1)). The bracket used to start at
// lambda_ipr(target^2), where a trial needs ~(30/lambda)^a ~ target^-2 points: 132 s at target 0.01.
// Then the points per trial are fixed at the lower end, so that every evaluation uses the same draws
// (common random numbers): the estimate is monotone and smooth in lambda, and TOMS 748 finds its root.
LambdaStar critical_lambda_star_w_max(double a, double target, const CriticalSamplerOptions& caller) {
  require_options(caller);
  // Truncation: the conditional mean of the neglected mass is added back, so its sd only adds noise of
  // that relative size to each trial's w_max, far below the spread between trials. 1e-6 instead of 1e-12
  // needs ~half the points at a = 1 and (log 1e12 / log 1e6)^a times fewer at larger a.
  CriticalSamplerOptions options = caller;
  options.tail_tolerance = std::max(caller.tail_tolerance, kWmaxTailTolerance);
  const double trials = static_cast<double>(options.trials);
  if (1.0 - target < 3.0 / trials)
    throw InputError("target", fmt::format(
        "a w_max target of {:g} is within 3/T = {:.2g} of 1, closer than T = {} sampler trials resolve "
        "(1 - w_max comes from near-ties rarer than 1 in T); use more trials, or the exact ipr or entropy",
        target, 3.0 / trials, options.trials));
  const auto too_costly = [&](double lambda, double points) {
    return InputError("target", fmt::format(
        "a w_max target of {:g} needs lambda near {:.3g} (local exponent a = {}), where the exact sampler "
        "needs ~{:.3g} points per trial, more than the limit of {:g}; use a larger target, or " + field_ref("observable") + " ipr or "
        "entropy (exact quadrature, no such limit)",
        target, lambda, a, points, kWmaxMaxPointsPerTrial));
  };
  CriticalSamplerOptions pilot = options;
  pilot.trials = std::min<std::uint64_t>(options.trials, 128);
  double pilot_points = 0.0;  // mean points per trial of the last pilot
  const auto pilot_w_max = [&](double lambda) {
    const CriticalSample sample = summarise(a, lambda, pilot, nullptr);
    pilot_points = sample.mean_points_used;
    return sample.w_max;
  };
  const auto upper = solve_increasing_in_log_lambda(
      [&](double log_lambda) { return critical_ipr(a, std::exp(log_lambda)) - target; }, std::max(a, 1.0), 20);
  if (!upper) throw too_costly(kLambdaStarMin, static_cast<double>(options.max_points));
  // Steps of 1.25: the cost grows steeply below the answer (~lambda^-a points per trial), so the lower
  // end must not overshoot far.
  constexpr double step = 1.25;
  double hi = *upper, w_hi = pilot_w_max(hi);
  for (int i = 0; w_hi < target; ++i) {  // pilot noise (its mean is above the target here)
    if (i == 40) throw std::runtime_error("critical_lambda_star: sampled w_max stays below the target; use more trials");
    hi *= step;
    w_hi = pilot_w_max(hi);
  }
  double lo = hi / step;
  for (int i = 0; pilot_w_max(lo) >= target; ++i) {
    if (i == 200) throw std::runtime_error("critical_lambda_star: sampled w_max stays above the target; use more trials");
    if (pilot_points > kWmaxMaxPointsPerTrial) throw too_costly(lo, pilot_points);  // and the answer lies below
    hi = lo;
    lo /= step;
  }
  // The cost rises steeply below the answer (at large a a step of 1.25 can multiply it by 3): where the
  // lower end is too costly, close in on the pilot's crossing before giving up.
  for (int i = 0; i < 8 && pilot_points > kWmaxMaxPointsPerTrial; ++i) {
    const double mid = std::sqrt(lo * hi);
    const double points_lo = pilot_points;
    if (pilot_w_max(mid) < target) {
      lo = mid;
    } else {
      hi = mid;
      pilot_points = points_lo;
    }
  }
  if (pilot_points > kWmaxMaxPointsPerTrial) throw too_costly(lo, pilot_points);
  // The full sample with the points per trial fixed at start (valid for every larger lambda).
  std::vector<std::uint64_t> points;
  double start = 0.0;
  const auto f = [&](double log_lambda) {
    return summarise(a, std::max(std::exp(log_lambda), start), options, &points).w_max - target;
  };
  double f_lo = 0.0;
  for (int i = 0;; ++i) {
    start = lo;  // f is only evaluated in [lo, hi]
    points = points_per_trial(a, start, options);
    double total = 0.0;
    for (std::uint64_t p : points) total += static_cast<double>(p);
    if (total / trials > kWmaxMaxPointsPerTrial) throw too_costly(start, total / trials);
    f_lo = f(std::log(lo));
    if (f_lo < 0) break;
    if (i == 40) throw std::runtime_error("critical_lambda_star: sampled w_max stays above the target; use more trials");
    hi = lo;  // the full sample is still above the target at lo (pilot noise): step on down, gently
    lo /= 1.05;
  }
  double f_hi = f(std::log(hi));
  for (int i = 0; f_hi < 0; ++i) {
    if (i == 40) throw std::runtime_error("critical_lambda_star: sampled w_max stays below the target; use more trials");
    lo = hi;
    f_lo = f_hi;
    hi *= step;
    f_hi = f(std::log(hi));
  }
  LambdaStar out;
  out.lambda = hi;
  if (f_hi > 0) {
    boost::math::tools::eps_tolerance<double> tol(40);
    std::uintmax_t iterations = 200;
    const auto root = boost::math::tools::toms748_solve(f, std::log(lo), std::log(hi), f_lo, f_hi, tol, iterations);
    out.lambda = std::exp(0.5 * (root.first + root.second));
  }
  const CriticalSample at = summarise(a, out.lambda, options, &points);
  out.stderr_ = at.dw_max_dlambda > 0 ? at.w_max_stderr / at.dw_max_dlambda : std::numeric_limits<double>::infinity();
  return out;
}

}  // namespace

LambdaStar critical_lambda_star(double a, CriticalObservable observable, double target,
                                const CriticalSamplerOptions& options) {
  if (!(a > 0) || !std::isfinite(a))
    refuse("a", fmt::format("local exponent must be > 0 (got {})", a), "critical_lambda_star");
  if (observable == CriticalObservable::entropy) {
    if (!(target > 0) || !std::isfinite(target))
      refuse("target", fmt::format("an entropy target must be > 0 (got {})", target), "critical_lambda_star");
  } else if (!(target > 0 && target < 1)) {
    refuse("target", fmt::format("a target for {} must be in (0, 1) (got {})", observable_name(observable), target),
           "critical_lambda_star");
  }
  // The natural scale of lambda is a (W_k ~ Gamma_k^{-lambda/a} for large a).
  const double lambda0 = std::max(a, 1.0);
  LambdaStar out;
  if (observable == CriticalObservable::ipr) {
    const auto lambda = solve_increasing_in_log_lambda(
        [&](double log_lambda) { return critical_ipr(a, std::exp(log_lambda)) - target; }, lambda0, 44);
    if (!lambda) throw unreachable(a, observable, target);
    out.lambda = *lambda;
    return out;
  }
  if (observable == CriticalObservable::entropy) {
    const auto lambda = solve_increasing_in_log_lambda(
        [&](double log_lambda) { return target - critical_entropy(a, std::exp(log_lambda)); }, lambda0, 44);
    if (!lambda) throw unreachable(a, observable, target);
    out.lambda = *lambda;
    return out;
  }
  return critical_lambda_star_w_max(a, target, options);
}

}  // namespace attnlim::theory
