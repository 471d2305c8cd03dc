// The log n model (THEORY.md sections 5, 9).
#include "attnlim/theory/log_n.hpp"

#include <cmath>
#include <string>

#include <boost/math/tools/roots.hpp>

#include "common.hpp"

namespace attnlim::theory {

using detail::log_beta;
using detail::refuse;
using detail::require_dimension;

double simplex_self_weight(double n, double gamma, double rho) {
  if (!(n >= 1)) refuse("n", fmt::format("must be >= 1 (got {})", n), "simplex_self_weight");
  if (!(rho < 1 && rho >= -1)) refuse("rho", fmt::format("must be in [-1, 1) (got {})", rho), "simplex_self_weight");
  if (n == 1) return 1.0;
  // (n-1) n^{-gamma(1-rho)} in logs so huge n does not overflow.
  const double log_others = std::log(n - 1.0) - gamma * (1.0 - rho) * std::log(n);
  return 1.0 / (1.0 + std::exp(log_others));
}

double simplex_gamma_c(double rho) {
  if (!(rho < 1 && rho >= -1)) refuse("rho", fmt::format("must be in [-1, 1) (got {})", rho), "simplex_gamma_c");
  return 1.0 / (1.0 - rho);
}

double gaussian_score_scale(int d, double n) {
  require_dimension(d, "gaussian_score_scale");
  if (!(n >= 1)) refuse("n", fmt::format("must be >= 1 (got {})", n), "gaussian_score_scale");
  return std::sqrt(2.0 * d * std::log(n));
}

namespace {
void require_simplex(double n, double rho, const char* what) {
  if (!(n >= 2)) refuse("n", fmt::format("must be >= 2 (got {})", n), what);
  if (!(rho < 1 && rho >= 0)) refuse("rho", fmt::format("must be in [0, 1) (got {})", rho), what);
}

// The gamma in [0, gamma_max] where next_rho(gamma) falls through the midpoint (the first crossing on a grid,
// then Boost's TOMS 748); next_rho starts near 1 (gamma = 0 averages every token) above the midpoint.
template <class NextRho>
double midpoint_gamma(double rho, const NextRho& next_rho, const char* what) {
  const double mid = 0.5 * (rho + 1.0);
  const auto f = [&](double g) { return next_rho(g) - mid; };
  const double step = 0.01 / (1.0 - rho);
  double lo = 0.0;
  for (int i = 1; i <= 100000; ++i) {
    const double hi = i * step;
    if (f(hi) <= 0) {
      boost::math::tools::eps_tolerance<double> tol(50);
      std::uintmax_t iterations = 200;
      const auto root = boost::math::tools::toms748_solve(f, lo, hi, tol, iterations);
      return 0.5 * (root.first + root.second);
    }
    lo = hi;
  }
  refuse("gamma", "the next rho never reaches the midpoint for gamma up to 1000 gamma_c", what);
  return 0.0;
}
}  // namespace

double simplex_next_rho_from_weight(double n, double p, double rho) {
  require_simplex(n, rho, "simplex_next_rho_from_weight");
  if (!(p >= 0 && p <= 1)) refuse("p", fmt::format("must be in [0, 1] (got {})", p), "simplex_next_rho_from_weight");
  const double r = (1.0 - p) / (n - 1.0), q = p - r, s = 1.0 + (n - 1.0) * rho;  // s = <y_i, S>
  const double common = 2.0 * q * r * s + r * r * n * s;
  return (q * q * rho + common) / (q * q + common);
}

double simplex_next_rho(double n, double gamma, double rho) {
  return simplex_next_rho_from_weight(n, simplex_self_weight(n, gamma, rho), rho);
}

double annealed_self_weight(double n, double gamma, double rho, int d) {
  require_dimension(d, "annealed_self_weight");
  require_simplex(n, rho, "annealed_self_weight");
  const double beta = gamma * std::log(n), gap = beta * (1.0 - rho);
  const double log_others = std::log(n - 1.0) - gap + gap * gap / (2.0 * (d - 1));
  return 1.0 / (1.0 + std::exp(log_others));
}

double simplex_midpoint_gamma(double n, double rho) {
  require_simplex(n, rho, "simplex_midpoint_gamma");
  return midpoint_gamma(rho, [&](double g) { return simplex_next_rho(n, g, rho); }, "simplex_midpoint_gamma");
}

double annealed_midpoint_gamma(double n, double rho, int d) {
  require_simplex(n, rho, "annealed_midpoint_gamma");
  return midpoint_gamma(
      rho, [&](double g) { return simplex_next_rho_from_weight(n, annealed_self_weight(n, g, rho, d), rho); },
      "annealed_midpoint_gamma");
}

}  // namespace attnlim::theory
