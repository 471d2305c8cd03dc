// The exact distance law of uniform keys, P(E <= s) = I_{s/2}(a, a), in log space where it underflows
// (THEORY.md sections 1, 6, 8).
#include "attnlim/theory/distance.hpp"

#include <cmath>
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

double log_ibeta_from_log(double p, double q, double log_x) {
  if (log_x >= std::log(0.5)) return std::log(boost::math::ibeta(p, q, std::exp(log_x)));
  if (log_x > -700.0) {
    const double value = boost::math::ibeta(p, q, std::exp(log_x));
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

double log_distance_quantile_log(int d, double log_p) {
  const double a = local_exponent(d);
  if (!(log_p <= 0.0)) refuse("log_p", fmt::format("must be <= 0 (got {})", log_p), "distance_quantile_log");
  if (log_p == -std::numeric_limits<double>::infinity()) return log_p;
  if (log_p > std::log(kTinyProbability)) return std::log(2.0 * boost::math::ibeta_inv(a, a, std::exp(log_p)));
  // Tiny probability: solve log I_x(a, a) = log_p for t = log x, starting from the power law
  // log I ~ a t - log a - log B(a, a); log I is increasing in t.
  const auto f = [&](double t) { return log_cdf_from_log_half_distance(a, t) - log_p; };
  const double guess = (log_p + std::log(a) + log_beta(a, a)) / a;
  double lo = guess - 1.0, hi = std::min(guess + 1.0, std::log(0.5));
  while (f(lo) > 0) lo -= 2.0 * (hi - lo);
  while (f(hi) < 0) hi = std::min(std::log(0.5), hi + 1.0);
  boost::math::tools::eps_tolerance<double> tol(52);
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(f, lo, hi, tol, iterations);
  return 0.5 * (root.first + root.second) + std::log(2.0);
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
