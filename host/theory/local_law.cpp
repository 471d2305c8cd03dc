// Local laws and the critical scale (THEORY.md sections 2, 7).
#include "attnlim/theory/local_law.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/special_functions/beta.hpp>

#include "common.hpp"

namespace attnlim::theory {

using detail::log_beta;
using detail::refuse;
using detail::require_dimension;

double local_exponent(int d) {
  require_dimension(d, "local_exponent");
  return 0.5 * (d - 1);
}

double log_c_d(int d) {
  const double a = local_exponent(d);
  return a * std::log(2.0) - std::log(d - 1.0) - log_beta(0.5, a);
}

double c_d(int d) {
  const double log_c = log_c_d(d);
  if (log_c > std::log(std::numeric_limits<double>::max()))
    throw std::overflow_error("c_d: overflows a double for d = " + std::to_string(d) + "; use log_c_d");
  // Small d: the direct formula is exact to an ulp, the log route loses a few.
  if (d <= 1000) {
    const double a = local_exponent(d);
    return std::pow(2.0, a) / ((d - 1) * boost::math::beta(0.5, a));
  }
  return std::exp(log_c);
}

double critical_scale(int d, double n) { return critical_scale(uniform_law(d), n); }

LocalLaw uniform_law(int d) {
  LocalLaw law{local_exponent(d), log_c_d(d)};
  if (law.log_c <= std::log(std::numeric_limits<double>::max())) law.c = c_d(d);
  return law;
}

LocalLaw subsphere_law(int m) {
  if (m < 2) refuse("m", fmt::format("subsphere dimension must be at least 2 (got {})", m), "subsphere_law");
  return uniform_law(m);
}

LocalLaw power_density_law(int d, double gamma) {
  require_dimension(d, "power_density_law");
  if (!(gamma > -(d - 1.0)))
    refuse("gamma", fmt::format("must be > -(d-1) = {} for an integrable density (got {})", -(d - 1.0), gamma), "power_density_law");
  const double a = local_exponent(d);
  const double a_local = a + 0.5 * gamma;
  // P(E <= s) = I_{s/2}(a', a) ~ (s/2)^{a'} / (a' B(a', a)).
  return LocalLaw{a_local, -a_local * std::log(2.0) - std::log(a_local) - log_beta(a_local, a)};
}

double critical_scale(const LocalLaw& law, double n) {
  if (!(n > 0)) refuse("n", fmt::format("must be > 0 (got {})", n), "critical_scale");
  return critical_scale_log(law, std::log(n));
}

double critical_scale_log(const LocalLaw& law, double log_n) {
  if (!(law.a > 0)) refuse("a", fmt::format("local exponent must be > 0 (got {})", law.a), "critical_scale");
  if (std::isnan(log_n)) refuse("n", "log n is not a number", "critical_scale");
  return std::exp((log_n + law.log_c) / law.a);
}

double critical_beta(const LocalLaw& law, double n, double lambda) {
  if (!(lambda > 0)) refuse("lambda", fmt::format("must be > 0 (got {})", lambda), "critical_beta");
  return lambda * critical_scale(law, n);
}

double critical_beta(int d, double n, double lambda) { return critical_beta(uniform_law(d), n, lambda); }

}  // namespace attnlim::theory
