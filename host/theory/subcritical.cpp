// Subcritical predictions (THEORY.md section 3): M_d, A_d = I_{d/2}/I_{d/2-1} and the delta-method
// variances, accurate for 0 <= beta <= 1e12 and any d >= 2 without overflow.
//
// Notation: nu = d/2 - 1, so M(t) = Gamma(nu+1) (2/t)^nu I_nu(t) = 0F1(; nu+1; t^2/4) and
// A(t) = R_nu(t) = I_{nu+1}(t)/I_nu(t) = M'(t)/M(t).
//
// Closed forms used for the variances. (t^{-nu} I_nu)' = t^{-nu} I_{nu+1}, so M satisfies
//   M'' + (2nu+1)/t M' - M = 0,  i.e.  E_t[X^2] = M''(t)/M(t) = 1 - (d-1) A(t)/t,
// where E_t is the law tilted by e^{tX}. Hence
//   E[e^{tX} X]          = M(t) A(t),
//   E[e^{tX} (1 - X^2)]  = M(t) (d-1) A(t)/t,
//   Var_t(X)             = 1 - A^2 - (d-1)A/t = A'(t)        (the Riccati equation of R_nu).
// With t = 2b: tangential variance = (1/n) M(2b)/M(b)^2 * A(2b)/(2b), radial variance
// = (1/n) M(2b)/M(b)^2 * [A'(2b) + (A(2b) - A(b))^2]. Writing A' as 1 - A^2 - (d-1)A/t cancels
// catastrophically for large t, so A' is computed directly: by differentiating the backward
// recurrence of the Bessel ratio, or from the Hankel expansion.
//
// Two routes, chosen by t against t_H = max(30, nu^2/2):
//  - t < t_H: backward recurrence R_k = t / (2(k+1) + t R_{k+1}) (the Gauss continued fraction,
//    evaluated bottom-up, which is stable) from order nu + t + 40, where the start value's error
//    is damped below 1e-19. The same pass gives R'_nu and the ratios R_{nu0+j}, which build
//    log M from M_{nu0} (nu0 = 0: I_0; nu0 = 1/2: sinh t / t) by M_k/M_{k-1} = 2k R_{k-1}/t.
//    For small t (t^2/4 <= nu+1) log M is the convergent 0F1 series, summed as log1p.
//  - t >= t_H: Hankel expansion I_nu(t) ~ e^t/sqrt(2 pi t) sum_k (-1)^k a_k(nu) t^{-k},
//    a_k(nu) = prod_{j<=k} (4nu^2 - (2j-1)^2) / (k! 8^k). There t^{-1} nu^2/2 <= 1, so the terms
//    fall like 1/k! and the sum is taken to full precision (for odd d it terminates). 1 - A is
//    formed from the exact differences D_k = a_k(nu+1) - a_k(nu), so no cancellation.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/sinhc.hpp>

#include "attnlim/core/common.hpp"
#include "attnlim/theory/subcritical.hpp"
#include "common.hpp"

namespace attnlim::theory {

using detail::refuse;
using detail::require_dimension;
namespace {

// Everything the subcritical predictions need at one t.
struct BesselState {
  double log_M = 0.0;   // log M(t)
  double rho = 0.0;     // log M(t) - t, kept separately so that log M(2b) - 2 log M(b) cancels exactly
  double A = 0.0;       // R_nu(t)
  double bias = 1.0;    // 1 - R_nu(t)
  double A_over_t = 0;  // R_nu(t)/t (finite at t = 0: 1/(2nu+2))
  double variance = 0;  // R_nu'(t) = Var_t(X)
};

double hankel_threshold(double nu) { return std::max(30.0, 0.5 * nu * nu); }

struct HankelSums {
  double S0 = 1.0;   // sum (-1)^k a_k(nu) u^k, u = 1/t
  double dS = 0.0;   // sum (-1)^k (a_k(nu+1) - a_k(nu)) u^k
  double S0_t = 0.0;  // d S0 / dt
  double dS_t = 0.0;  // d dS / dt
};

HankelSums hankel_sums(double nu, double t) {
  const double u = 1.0 / t;
  const double mu0 = 4.0 * nu * nu, mu1 = 4.0 * (nu + 1.0) * (nu + 1.0), dmu = 8.0 * nu + 4.0;
  HankelSums h;
  double term = 1.0, diff_term = 0.0;
  for (int k = 1; k < 2000; ++k) {
    const double odd_sq = (2.0 * k - 1.0) * (2.0 * k - 1.0);
    const double f0 = (mu0 - odd_sq) / (8.0 * k), f1 = (mu1 - odd_sq) / (8.0 * k);
    // D_k = D_{k-1} f_k(mu1) + a_{k-1}(nu) (mu1 - mu0)/(8k): the difference without cancellation.
    diff_term = -u * (diff_term * f1 + term * dmu / (8.0 * k));
    term = -u * term * f0;
    h.S0 += term;
    h.dS += diff_term;
    h.S0_t -= k * u * term;
    h.dS_t -= k * u * diff_term;
    if (std::abs(term) <= 1e-18 * std::abs(h.S0) && std::abs(diff_term) <= 1e-18 * std::abs(h.dS)) break;
  }
  return h;
}

// log M_{nu0}(t) - t for nu0 in {0, 1/2} (d = 2: I_0; d = 3: sinh t / t).
double rho_base(double nu0, double t) {
  if (nu0 == 0.0) {
    if (t < 30.0) return std::log(boost::math::cyl_bessel_i(0.0, t)) - t;
    const HankelSums h = hankel_sums(0.0, t);
    return -0.5 * std::log(2.0 * kPi * t) + std::log(h.S0);
  }
  if (t < 1.0) return std::log(boost::math::sinhc_pi(t)) - t;
  return -std::log(2.0 * t) + std::log1p(-std::exp(-2.0 * t));
}

BesselState evaluate(double nu, double t) {
  BesselState s;
  if (t == 0.0) {
    s.A_over_t = 1.0 / (2.0 * nu + 2.0);
    s.variance = s.A_over_t;
    return s;
  }
  if (t >= hankel_threshold(nu)) {
    const HankelSums h = hankel_sums(nu, t);
    s.bias = -h.dS / h.S0;
    s.A = 1.0 - s.bias;
    s.A_over_t = s.A / t;
    s.variance = (h.dS_t * h.S0 - h.dS * h.S0_t) / (h.S0 * h.S0);
    s.rho = boost::math::lgamma(nu + 1.0) + nu * std::log(2.0 / t) - 0.5 * std::log(2.0 * kPi * t) + std::log(h.S0);
    s.log_M = t + s.rho;
    return s;
  }
  // Backward recurrence in q_k = R_k / t (no underflow of R^2 for tiny t).
  const double t2 = t * t;
  const double nu0 = nu - std::floor(nu);
  const long steps_below = std::lround(nu - nu0);
  const long steps_above = static_cast<long>(std::ceil(t)) + 40;
  double order = nu + steps_above;
  // Start from the Amos-type approximation R_k ~ t/(c + sqrt(t^2 + c^2)), c = k + 1, and its derivative.
  double c = order + 1.0, root = std::hypot(t, c);
  double q = 1.0 / (c + root);
  double dR = c / (root * (c + root));
  for (long i = 0; i < steps_above; ++i) {
    order -= 1.0;
    const double den = 2.0 * (order + 1.0) + t2 * q;
    q = 1.0 / den;
    dR = (2.0 * (order + 1.0) - t2 * dR) * q * q;
  }
  s.A_over_t = q;
  s.A = t * q;
  s.bias = 1.0 - s.A;
  s.variance = dR;
  if (0.25 * t2 <= nu + 1.0) {
    // 0F1 series: terms decrease from the first, sum of k >= 1 formed separately for log1p.
    double term = 1.0, tail = 0.0;
    for (int k = 1; k < 1000; ++k) {
      term *= 0.25 * t2 / (k * (nu + k));
      tail += term;
      if (term <= 1e-18 * tail) break;
    }
    s.log_M = std::log1p(tail);
    s.rho = s.log_M - t;
    return s;
  }
  // log M_nu = log M_{nu0} + sum_k log(2(k+1) q_k), k = nu0 .. nu-1; 2(k+1) q_k = 1/(1 + t^2 q_{k+1}/(2(k+1))).
  double log_ratios = 0.0;
  for (long j = 0; j < steps_below; ++j) {
    order -= 1.0;
    const double x = t2 * q / (2.0 * (order + 1.0));
    log_ratios -= std::log1p(x);
    q = 1.0 / (2.0 * (order + 1.0) + t2 * q);
  }
  s.rho = rho_base(nu0, t) + log_ratios;
  s.log_M = t + s.rho;
  return s;
}

double nu_of(int d, const char* what) {
  require_dimension(d, what);
  return 0.5 * d - 1.0;
}

void require_beta(double beta, const char* what) {
  if (!(beta >= 0.0) || !std::isfinite(beta))
    refuse("beta", fmt::format("must be finite and >= 0 (got {})", beta), what);
}

}  // namespace

double A_d(int d, double beta) {
  const double nu = nu_of(d, "A_d");
  require_beta(beta, "A_d");
  return evaluate(nu, beta).A;
}

double bias(int d, double beta) {
  const double nu = nu_of(d, "bias");
  require_beta(beta, "bias");
  return evaluate(nu, beta).bias;
}

double log_M(int d, double beta) {
  const double nu = nu_of(d, "log_M");
  require_beta(beta, "log_M");
  return evaluate(nu, beta).log_M;
}

double tilted_variance(int d, double beta) {
  const double nu = nu_of(d, "tilted_variance");
  require_beta(beta, "tilted_variance");
  return evaluate(nu, beta).variance;
}

namespace {
double log_ratio_from(double nu, const BesselState& at_b, const BesselState& at_2b, double beta) {
  // Small beta: both log M are small and exact; otherwise the e^t parts cancel symbolically.
  if (0.25 * (2.0 * beta) * (2.0 * beta) <= nu + 1.0) return at_2b.log_M - 2.0 * at_b.log_M;
  return at_2b.rho - 2.0 * at_b.rho;
}
}  // namespace

double log_M2_over_M_squared(int d, double beta) {
  const double nu = nu_of(d, "log_M2_over_M_squared");
  require_beta(beta, "log_M2_over_M_squared");
  return log_ratio_from(nu, evaluate(nu, beta), evaluate(nu, 2.0 * beta), beta);
}

Subcritical subcritical(int d, double beta, double n) {
  const double nu = nu_of(d, "subcritical");
  require_beta(beta, "subcritical");
  if (!(n > 0)) refuse("n", fmt::format("must be > 0 (got {})", n), "subcritical");
  const BesselState at_b = evaluate(nu, beta), at_2b = evaluate(nu, 2.0 * beta);
  const double ratio = std::exp(log_ratio_from(nu, at_b, at_2b, beta));  // M(2b)/M(b)^2
  Subcritical out;
  out.A = at_b.A;
  out.bias = at_b.bias;
  out.log_M = at_b.log_M;
  const double mean_shift = at_b.bias - at_2b.bias;  // A(2b) - A(b)
  out.radial_variance = ratio * (at_2b.variance + mean_shift * mean_shift) / n;
  out.tangential_variance = ratio * at_2b.A_over_t / n;
  out.ipr = ratio / n;
  out.n_eff = n / ratio;
  return out;
}

}  // namespace attnlim::theory
