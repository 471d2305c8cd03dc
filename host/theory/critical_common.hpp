// Helpers shared by the critical-law sources (not installed): log-space arithmetic, argument checks, and
// the pieces each form and the sampler export to the others.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <fmt/core.h>

#include "attnlim/theory/critical.hpp"
#include "common.hpp"

namespace attnlim::theory::detail {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

inline double log_add(double x, double y) {
  if (x == kNegInf) return y;
  if (y == kNegInf) return x;
  const double hi = std::max(x, y), lo = std::min(x, y);
  return hi + std::log1p(std::exp(lo - hi));
}

// log Gamma(s, x) / Gamma(s) (regularized upper), -inf when it underflows.
inline double log_gamma_q(double s, double x) {
  if (x <= 0.0) return 0.0;
  const double q = boost::math::gamma_q(s, x);
  return q > 0.0 ? std::log(q) : kNegInf;
}

inline void require_exponent_and_lambda(double a, double lambda, const char* what) {
  if (!(a > 0) || !std::isfinite(a)) refuse("a", fmt::format("local exponent must be > 0 (got {})", a), what);
  if (!(lambda > 0) || !std::isfinite(lambda)) refuse("lambda", fmt::format("must be > 0 (got {})", lambda), what);
}

// The Frullani form of the Mecke integrals (mecke_frullani.cpp), used for lambda < 2 max(a, 1).
double frullani_ipr(double a, double lambda);
double frullani_entropy(double a, double lambda);

// The nearest-point form (mecke_nearest.cpp), used from lambda = 2 max(a, 1) on.
double nearest_point_ipr_deficit(double a, double lambda);  // E[1 - sum W^2]
double nearest_point_entropy(double a, double lambda);      // E[H]

// The exact sampler's pieces that lambda* reuses (critical_sampler.cpp).
void require_options(const CriticalSamplerOptions& options);
// Points per trial chosen at lambda (valid for every larger lambda: the tail only shrinks).
std::vector<std::uint64_t> points_per_trial(double a, double lambda, const CriticalSamplerOptions& options);
// Mean and spread of the trials' observables; fixed_points (nullable) fixes each trial's point count.
CriticalSample summarise(double a, double lambda, const CriticalSamplerOptions& options,
                         const std::vector<std::uint64_t>* fixed_points);

}  // namespace attnlim::theory::detail
