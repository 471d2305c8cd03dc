// The log n model (THEORY.md sections 5, 9).
#include "attnlim/theory/log_n.hpp"

#include <cmath>
#include <string>

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

}  // namespace attnlim::theory
