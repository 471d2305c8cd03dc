// The Frullani form of the critical law's Mecke limits (THEORY.md section 3) for any local exponent a > 0,
// used for lambda < 2 max(a, 1) (mecke_nearest.cpp takes over above that; mecke.cpp chooses).
//
// Scaling. With V = lambda Y the points V_k form a Poisson process of intensity theta a v^{a-1} dv,
// theta = lambda^{-a}, and W_k = e^{-V_k} / S, S = sum_k e^{-V_k}. With u = e^r the Laplace functional
// E e^{-uS} = exp(-Psi(u)) and the Mecke integrals become
//   Psi(u)              = theta * Psi1(r),  Psi1(r) = int (1 - exp(-e^{r-v})) a v^{a-1} dv,
//   u^2 int g^2 e^{-ug} = theta * Phi2(r),  Phi2(r) = int e^{2(r-v)} exp(-e^{r-v}) a v^{a-1} dv,
//   u int V g e^{-ug}   = theta * PhiV(r),  PhiV(r) = int v e^{r-v} exp(-e^{r-v}) a v^{a-1} dv,
// and (1/S^2 = int u e^{-uS} du, 1/S = int e^{-uS} du, Frullani for log S):
//   E[sum W^2]        = int dr theta Phi2(r) exp(-theta Psi1(r)),
//   E log S           = int dr [exp(-e^r) - exp(-theta Psi1(r))],
//   E[sum V W]        = int dr theta PhiV(r) exp(-theta Psi1(r)),   E[H] = E log S + E[sum V W].
// The inner integrals (functions of a and r only) are split at l = r - v: for l > 4 the factor
// 1 - exp(-e^l) is 1 to 2e-24 (head, exact: v^a); for l < -40 it is e^l to 4e-18 (tail, exact: an
// incomplete gamma function); in between tanh-sinh quadrature in v (which handles the v^{a-1}
// endpoint singularity for a < 1). Everything is carried in logs, so large a (v^{a-1} huge) and
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>

#include "critical_common.hpp"

namespace attnlim::theory {

using namespace detail;

namespace {

constexpr double kHeadLevel = 4.0;   // l above this: 1 - exp(-e^l) == 1 to 2e-24
constexpr double kTailLevel = 40.0;  // l below -this: 1 - exp(-e^l) == e^l to 4e-18

// log theta Psi1(r), log theta Phi2(r), log theta PhiV(r) for exponent a (theta = lambda^{-a} folded in).
struct Inner {
  double log_psi = kNegInf, log_phi2 = kNegInf, log_phiv = kNegInf;
  // theta PhiV shifted by c: theta int (v - c) e^{r-v} exp(-e^{r-v}) a v^{a-1} dv = sum_i sign_i exp(log_i).
  double shifted_log[2] = {kNegInf, kNegInf};
  double shifted_sign[2] = {1.0, 1.0};
};

// Rounding noise. For large a every log above is a difference of terms of size a log(lambda) (~1.6e4 at
// a = 2047.5, lambda = 3000): formed plainly, e.g. -a log(lambda) + (a - 1) log(v), each carries ~1e-12
// of rounding that varies from one r (or v) to the next. That is above the quadratures' tolerances, so
// both would refine to their depth limits on noise (the outer one by 2^10, minutes per call). So the
// large terms are only ever formed as a log(v / lambda) = a log1p((v - lambda) / lambda) with
// v - lambda = (r - lambda) + offset (no large cancellation where it matters, r ~ lambda), as
// (a - 1) log1p((v - v_hi) / v_hi) with v - v_hi = x - span from the quadrature offset x, and as
// r + const (the tail: the constant's rounding is the same for every r, a bias of ~1e-12, not noise).
class MeckeIntegrals {
 public:
  MeckeIntegrals(double a, double lambda)
      : a_(a), lambda_(lambda), log_a_(std::log(a)), log_lambda_(std::log(lambda)), log_theta_(-a * log_lambda_),
        log_theta_gamma_(log_theta_ + boost::math::lgamma(a + 1.0)) {}

  double log_theta() const { return log_theta_; }

  Inner inner(double r, double shift = 0.0) const {
    Inner out;
    const double v_hi = std::max(r + kTailLevel, 0.0);
    const double v_lo = std::max(r - kHeadLevel, 0.0);
    const double r_minus_lambda = r - lambda_;
    // Tail v > v_hi: exp(-e^{r-v}) = 1 - e^{r-v} there, so each integral is an incomplete gamma.
    out.log_psi = r + log_theta_gamma_ + log_gamma_q(a_, v_hi);
    out.log_phi2 = 2.0 * r + (log_theta_gamma_ - a_ * std::log(2.0)) + log_gamma_q(a_, 2.0 * v_hi);
    out.log_phiv = r + (log_theta_gamma_ + log_a_) + log_gamma_q(a_ + 1.0, v_hi);
    // Head v < v_lo: 1 - exp(-e^l) = 1, theta v_lo^a = (v_lo / lambda)^a.
    if (v_lo > 0.0) out.log_psi = log_add(out.log_psi, a_ * log_ratio(r_minus_lambda - kHeadLevel));
    if (v_hi > v_lo) {
      const double c = r - v_lo;  // l = r - v = c - x at v = v_lo + x: no rounding of v in l
      const auto psi = [&](double x) { return -std::expm1(-std::exp(c - x)); };
      const auto phi2 = [&](double x) { return std::exp(2.0 * (c - x) - std::exp(c - x)); };
      const auto phiv = [&](double x) { return (v_lo + x) * std::exp((c - x) - std::exp(c - x)); };
      const double scale = body_scale(v_lo, r_minus_lambda + kTailLevel);
      out.log_psi = log_add(out.log_psi, log_body(psi, v_lo, v_hi, scale));
      out.log_phi2 = log_add(out.log_phi2, log_body(phi2, v_lo, v_hi, scale));
      out.log_phiv = log_add(out.log_phiv, log_body(phiv, v_lo, v_hi, scale));
      const double shifted_lo = v_lo - shift;
      const double body = body_integral(
          [&](double x) { return (shifted_lo + x) * std::exp((c - x) - std::exp(c - x)); }, v_lo, v_hi);
      out.shifted_sign[0] = body < 0 ? -1.0 : 1.0;
      out.shifted_log[0] = body != 0.0 ? std::log(std::abs(body)) + scale : kNegInf;
    }
    // Tail of the shifted integral: theta e^r Gamma(a+1) [a Q(a+1, v_hi) - c Q(a, v_hi)] (negligible
    // unless it dominates, so the difference is formed plainly).
    const double tail = std::exp(log_gamma_q(a_ + 1.0, v_hi)) * a_ - shift * std::exp(log_gamma_q(a_, v_hi));
    out.shifted_sign[1] = tail < 0 ? -1.0 : 1.0;
    out.shifted_log[1] = tail != 0.0 ? r + log_theta_gamma_ + std::log(std::abs(tail)) : kNegInf;
    return out;
  }

  // log theta Psi1 alone (for locating the transition).
  double log_psi(double r) const { return inner(r).log_psi; }

  // Break points of the outer integral over r. Outside [first, last] the integrands are below
  // ~e^{-44} of their scale: from 45 below the earlier of the two transitions (e^r ~ 1 and
  // theta Psi1 ~ 1; both integrands decay like e^r or faster there) to where theta Psi1 > 745 and
  // e^r > e^8 (exp underflows). In between, the points where theta Psi1 = e^k for a ladder of k, so
  // that slowly growing Psi1 (small a: Psi1 ~ r^a) does not leave one huge interval to bisect.
  // The r at which theta Psi1(r) = 1.
  double transition() const { return solve_log_psi(0.0); }

  std::vector<double> breakpoints() const {
    std::vector<double> points;
    for (double level : {-40.0, -10.0, -3.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, std::log(745.0)})
      points.push_back(solve_log_psi(level));
    const double r_transition = points[4];
    const double lo = std::min(0.0, r_transition) - 45.0, hi = std::max(8.0, points.back());
    points.push_back(0.0);
    points.push_back(8.0);
    points.push_back(lo);
    points.push_back(hi);
    std::sort(points.begin(), points.end());
    std::vector<double> kept;
    for (double p : points)
      if (p >= lo && p <= hi && (kept.empty() || p > kept.back() + 1e-9 * (1.0 + std::abs(p)))) kept.push_back(p);
    return kept;
  }

 private:
  // log(v / lambda) from v - lambda.
  double log_ratio(double v_minus_lambda) const { return std::log1p(v_minus_lambda / lambda_); }

  // a < 1 with the body interval at (or near) v = 0: integrate in w = v^a, which turns a v^{a-1} dv into
  // dw and removes the endpoint singularity. Away from 0 (v_lo >= 1) the plain offset is used: there
  // v = w^{1/a} - v_lo would cancel (at small a the transition r, hence v, reaches ~1e7).
  bool in_w(double v_lo) const { return a_ < 1.0 && v_lo < 1.0; }

  // log of the factor taken out of the body integrals: theta v_hi^{a-1} = (v_hi / lambda)^{a-1} / lambda,
  // or theta in the w form (no large factor there).
  double body_scale(double v_lo, double v_hi_minus_lambda) const {
    if (in_w(v_lo)) return log_theta_;
    return (a_ - 1.0) * log_ratio(v_hi_minus_lambda) - log_lambda_;
  }

  // int_{v_lo}^{v_hi} f(v_lo + x) a v^{a-1} dv / e^{body_scale}; f takes the offset x = v - v_lo.
  template <class F>
  double body_integral(F f, double v_lo, double v_hi) const {
    constexpr double tol = 1e-14;
    // Integrate over the offset from the lower end: tanh-sinh abscissas crowd the endpoints, and an
    // interval far from 0 would round them onto the endpoint itself.
    if (in_w(v_lo)) {
      const double inv_a = 1.0 / a_, w_lo = std::pow(v_lo, a_), w_hi = std::pow(v_hi, a_);
      return integrator_.integrate([&](double x) { return f(std::pow(w_lo + x, inv_a) - v_lo); }, 0.0, w_hi - w_lo,
                                   tol);
    }
    const double span = v_hi - v_lo;
    if (a_ == 1.0) return integrator_.integrate(f, 0.0, span, tol);
    // a (v / v_hi)^{a-1} with v - v_hi = x - span, so v is never rounded inside the large power.
    return integrator_.integrate(
        [&](double x) { return f(x) * std::exp(log_a_ + (a_ - 1.0) * std::log1p((x - span) / v_hi)); }, 0.0, span,
        tol);
  }

  // log of theta int_{v_lo}^{v_hi} f a v^{a-1} dv for f >= 0.
  template <class F>
  double log_body(F f, double v_lo, double v_hi, double scale) const {
    const double value = body_integral(f, v_lo, v_hi);
    return value > 0.0 ? std::log(value) + scale : kNegInf;
  }

  // The r at which log theta Psi1(r) = target (increasing: ~ r + log theta Gamma(a+1) for r -> -inf,
  // ~ a log(r / lambda) for r -> inf).
  double solve_log_psi(double target) const {
    const auto f = [&](double r) { return log_psi(r) - target; };
    const double guess = target - log_theta_gamma_;  // exact while r < -40
    double lo = guess - 1.0, hi = guess + 1.0;
    double step = 1.0;
    while (f(lo) > 0) { lo -= step; step *= 2; }
    step = 1.0;
    while (f(hi) < 0) { hi += step; step *= 2; }
    boost::math::tools::eps_tolerance<double> tol(40);
    std::uintmax_t iterations = 100;
    const auto root = boost::math::tools::toms748_solve(f, lo, hi, tol, iterations);
    return 0.5 * (root.first + root.second);
  }

  double a_, lambda_, log_a_, log_lambda_, log_theta_, log_theta_gamma_;
  mutable boost::math::quadrature::tanh_sinh<double> integrator_;  // integrate() is non-const in Boost 1.74
};

// Adaptive Gauss-Kronrod on each piece with an absolute error target of 1e-13 of the whole
// integral's L1 norm (a relative target per piece would chase rounding noise on pieces that
// contribute e^{-40} of the total).
template <class F>
double outer_integral(F f, const std::vector<double>& breakpoints) {
  using GK = boost::math::quadrature::gauss_kronrod<double, 31>;
  const std::size_t pieces = breakpoints.size() - 1;
  std::vector<double> piece_l1(pieces, 0.0);
  double total_l1 = 0.0;
  for (std::size_t i = 0; i < pieces; ++i) {
    double error = 0.0, l1 = 0.0;
    GK::integrate(f, breakpoints[i], breakpoints[i + 1], 0, 0.0, &error, &l1);
    piece_l1[i] = l1 + error;
    total_l1 += piece_l1[i];
  }
  double total = 0.0;
  for (std::size_t i = 0; i < pieces; ++i) {
    if (piece_l1[i] == 0.0) continue;
    const double tol = std::min(1e-3, 1e-13 * total_l1 / piece_l1[i]);
    double error = 0.0;
    total += GK::integrate(f, breakpoints[i], breakpoints[i + 1], 10, tol, &error);
  }
  return total;
}

}  // namespace

namespace detail {

double frullani_ipr(double a, double lambda) {
  const MeckeIntegrals mecke(a, lambda);
  const std::vector<double> breakpoints = mecke.breakpoints();
  const auto integrand = [&](double r) {
    const Inner in = mecke.inner(r);
    return std::exp(in.log_phi2 - std::exp(in.log_psi));  // theta Phi2 e^{-theta Psi1}
  };
  return outer_integral(integrand, breakpoints);
}

double frullani_entropy(double a, double lambda) {
  const MeckeIntegrals mecke(a, lambda);
  const std::vector<double> breakpoints = mecke.breakpoints();
  // H = log S + sum V_k W_k. Both terms grow like the transition point c (theta Psi1(c) = 1, V_1 ~ c),
  // so shift both by c, which cancels exactly (Frullani: int e^{-e^r} - e^{-e^{r-c}} dr = -c):
  //   E H = int dr [exp(-e^{r-c}) - e^{-Psi} + theta PhiV_c(r) e^{-Psi}],  PhiV_c with v - c for v,
  // so the integrand is O(1) and no large terms cancel.
  const double shift = mecke.transition();
  const auto integrand = [&](double r) {
    const Inner in = mecke.inner(r, shift);
    const double psi = std::exp(in.log_psi);
    double value = std::exp(-std::exp(r - shift)) - std::exp(-psi);
    for (int i = 0; i < 2; ++i) value += in.shifted_sign[i] * std::exp(in.shifted_log[i] - psi);
    return value;
  };
  return outer_integral(integrand, breakpoints);
}

}  // namespace detail

}  // namespace attnlim::theory
