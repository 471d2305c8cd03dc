// The exact distance law of uniform keys, P(E <= s) = I_{s/2}(a, a), in log space where it underflows
// (THEORY.md sections 1, 6, 8).
#include "attnlim/theory/distance.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <limits>
#include <string>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/tools/roots.hpp>

#include "attnlim/theory/local_law.hpp"
#include "attnlim/theory/subcritical.hpp"
#include "common.hpp"

namespace attnlim::theory {

using detail::log_beta;
using detail::refuse;
using detail::require_dimension;

namespace {

// log I_x(p, q) from log x, for small I (x <= 1/2 here): the leading term x^p (1-x)^q / (p B(p,q))
// times the convergent series 2F1(p+q, 1; p+1; x) = sum_k (p+q)_k / (p+1)_k x^k (DLMF 8.17.8).
// Used where I_x underflows a double, so every factor stays in logs.
double log_ibeta_small(double p, double q, double log_x) {
  const double x = std::exp(log_x);
  double term = 1.0, sum = 1.0;
  for (int k = 0; k < 100000; ++k) {
    term *= (p + q + k) / (p + 1.0 + k) * x;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return p * log_x + q * std::log1p(-x) - std::log(p) - log_beta(p, q) + std::log(sum);
}

// Below this, ibeta is computed in log space (the smallest normal double is 2.2e-308).
constexpr double kTinyProbability = 1e-280;

// Boost in double arithmetic (no promotion to long double): the order-statistics engine's many inversions,
// about 5x faster, still within a few ulps.
using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

template <class Policy = boost::math::policies::policy<>>
double log_ibeta_from_log(double p, double q, double log_x, const Policy& policy = Policy()) {
  if (log_x >= std::log(0.5)) return std::log(boost::math::ibeta(p, q, std::exp(log_x), policy));
  // Boost's ibeta only where its value can be above kTinyProbability: the series' leading term x^p (1-x)^q /
  // (p B(p, q)) bounds I_x from below within a factor (the series is >= 1 and, for x <= 1/2, at most 2^(p+q)).
  const double leading = p * log_x + q * std::log1p(-std::exp(log_x)) - std::log(p) - log_beta(p, q);
  if (log_x > -700.0 && leading + (p + q) * 0.6931471805599453 > std::log(kTinyProbability)) {
    const double value = boost::math::ibeta(p, q, std::exp(log_x), policy);
    if (value > kTinyProbability) return std::log(value);
  }
  return log_ibeta_small(p, q, log_x);
}

double log_cdf_from_log_half_distance(double a, double log_x) { return log_ibeta_from_log(a, a, log_x); }

}  // namespace

double log_beta_cdf(double p, double q, double x) {
  if (!(p > 0) || !(q > 0)) refuse("p", fmt::format("Beta parameters must be > 0 (got {}, {})", p, q), "log_beta_cdf");
  if (!(x >= 0.0 && x <= 1.0)) refuse("x", fmt::format("must be in [0, 1] (got {})", x), "log_beta_cdf");
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  return log_ibeta_from_log(p, q, std::log(x));
}

namespace {
void require_distance(double s, const char* what) {
  if (!(s >= 0.0 && s <= 2.0)) refuse("s", fmt::format("a distance must be in [0, 2] (got {})", s), what);
}
}  // namespace

double distance_cdf(int d, double s) {
  const double a = local_exponent(d);
  require_distance(s, "distance_cdf");
  return boost::math::ibeta(a, a, 0.5 * s);
}

double log_distance_cdf(int d, double s) {
  const double a = local_exponent(d);
  require_distance(s, "log_distance_cdf");
  if (s == 0.0) return -std::numeric_limits<double>::infinity();
  return log_cdf_from_log_half_distance(a, std::log(0.5 * s));
}

double log_distance_sf(int d, double s) {
  const double a = local_exponent(d);
  require_distance(s, "log_distance_sf");
  if (s == 2.0) return -std::numeric_limits<double>::infinity();
  // Symmetry of Beta(a, a): P(E > s) = P(E < 2 - s).
  return log_cdf_from_log_half_distance(a, std::log(1.0 - 0.5 * s));
}

double log_beta_cdf_log(double p, double q, double log_x) {
  if (!(p > 0) || !(q > 0)) refuse("p", fmt::format("Beta parameters must be > 0 (got {}, {})", p, q), "log_beta_cdf_log");
  if (!(log_x <= 0.0)) refuse("log_x", fmt::format("must be <= 0 (got {})", log_x), "log_beta_cdf_log");
  if (log_x == -std::numeric_limits<double>::infinity()) return log_x;
  if (log_x == 0.0) return 0.0;
  return log_ibeta_from_log(p, q, log_x, DoublePolicy());
}

double log_beta_density_log(double p, double q, double log_x) {
  if (!(p > 0) || !(q > 0)) refuse("p", fmt::format("Beta parameters must be > 0 (got {}, {})", p, q), "log_beta_density_log");
  if (!(log_x <= 0.0)) refuse("log_x", fmt::format("must be <= 0 (got {})", log_x), "log_beta_density_log");
  // (q - 1) log(1 - x) is 0 for q = 1 even where x rounds to 1 (0 * -inf would be NaN).
  return (p - 1.0) * log_x + (q == 1.0 ? 0.0 : (q - 1.0) * std::log1p(-std::exp(log_x))) - log_beta(p, q);
}

double log_beta_quantile_log(double p, double q, double log_w) {
  if (!(p > 0) || !(q > 0)) refuse("p", fmt::format("Beta parameters must be > 0 (got {}, {})", p, q), "log_beta_quantile_log");
  if (!(log_w <= 0.0)) refuse("log_w", fmt::format("must be <= 0 (got {})", log_w), "log_beta_quantile_log");
  if (log_w == -std::numeric_limits<double>::infinity()) return log_w;
  if (log_w == 0.0) return 0.0;
  // Tiny probability or tiny x: solve log I_x(p, q) = log_w for t = log x, starting from the power law
  // log I ~ p t - log p - log B(p, q); log I is increasing in t. Boost's ibeta_inv only where both the
  // probability and x itself are well inside a double (for p < 1, x ~ w^{1/p} underflows long before w does).
  const double guess = (log_w + std::log(p) + log_beta(p, q)) / p;
  if (log_w > std::log(kTinyProbability) && guess > -690.0) {
    const double x = boost::math::ibeta_inv(p, q, std::exp(log_w), DoublePolicy());
    if (x > 1e-290) return std::log(x);
  }
  // Deep in the power-law regime the series factor (1-x)^q 2F1(p+q, 1; p+1; x) is 1 to within an ulp of log x.
  if (std::exp(guess) * (q + 2.0) < 1e-17 * std::max(1.0, p * std::abs(guess))) return guess;
  const auto f = [&](double t) { return log_ibeta_from_log(p, q, t, DoublePolicy()) - log_w; };
  const double top = std::log1p(-1e-16);
  double lo = guess - 1.0, hi = std::min(guess + 1.0, top);
  while (f(lo) > 0) lo -= 2.0 * (hi - lo);
  while (f(hi) < 0 && hi < top) hi = std::min(top, hi + 1.0);
  // Newton in t (Boost keeps it inside the bracket): d log I / dt = x f(x) / I, about p where I is tiny, so
  // two or three steps from the power law's guess reach full precision.
  const auto with_slope = [&](double t) {
    const double log_i = log_ibeta_from_log(p, q, t, DoublePolicy());
    const double slope = std::exp(t + (p - 1.0) * t + (q - 1.0) * std::log1p(-std::exp(t)) - log_beta(p, q) - log_i);
    return std::make_pair(log_i - log_w, slope);
  };
  std::uintmax_t iterations = 100;
  return boost::math::tools::newton_raphson_iterate(with_slope, std::clamp(guess, lo, hi), lo, hi, 50, iterations);
}

double log_distance_quantile_log(int d, double log_p) {
  const double a = local_exponent(d);
  if (!(log_p <= 0.0)) refuse("log_p", fmt::format("must be <= 0 (got {})", log_p), "distance_quantile_log");
  if (log_p == -std::numeric_limits<double>::infinity()) return log_p;
  if (log_p > std::log(kTinyProbability)) return std::log(2.0 * boost::math::ibeta_inv(a, a, std::exp(log_p)));
  return log_beta_quantile_log(a, a, log_p) + std::log(2.0);
}

double distance_quantile_log(int d, double log_p) { return std::exp(log_distance_quantile_log(d, log_p)); }

double distance_quantile(int d, double p) {
  const double a = local_exponent(d);
  if (!(p >= 0.0 && p <= 1.0)) refuse("p", fmt::format("must be in [0, 1] (got {})", p), "distance_quantile");
  if (p > kTinyProbability || p == 0.0) return 2.0 * boost::math::ibeta_inv(a, a, p);
  return distance_quantile_log(d, std::log(p));
}

double log_tilted_keys(int d, double beta, double n) {
  if (!(n > 0)) refuse("n", fmt::format("must be > 0 (got {})", n), "log_tilted_keys");
  return std::log(n) + log_distance_cdf(d, bias(d, 2.0 * beta));
}

}  // namespace attnlim::theory
