// The critical law (THEORY.md sections 2-3) for any local exponent a > 0: Mecke-formula limits (just
// below, the Frullani form, used for lambda < 2 max(a, 1); further down, the nearest-point form, used
// above that), the exact sampler of the ordered weights, and the inverse lambda*(target).
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
// large or tiny lambda do not overflow.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>
#include <fmt/core.h>

#include "attnlim/errors.hpp"
#include "attnlim/philox.hpp"
#include "attnlim/sampler.hpp"
#include "attnlim/theory.hpp"

namespace attnlim::theory {
namespace {

constexpr double kHeadLevel = 4.0;   // l above this: 1 - exp(-e^l) == 1 to 2e-24
constexpr double kTailLevel = 40.0;  // l below -this: 1 - exp(-e^l) == e^l to 4e-18
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double x, double y) {
  if (x == kNegInf) return y;
  if (y == kNegInf) return x;
  const double hi = std::max(x, y), lo = std::min(x, y);
  return hi + std::log1p(std::exp(lo - hi));
}

// log Gamma(s, x) / Gamma(s) (regularized upper), -inf when it underflows.
double log_gamma_q(double s, double x) {
  if (x <= 0.0) return 0.0;
  const double q = boost::math::gamma_q(s, x);
  return q > 0.0 ? std::log(q) : kNegInf;
}

void require_exponent_and_lambda(double a, double lambda, const char* what) {
  if (!(a > 0) || !std::isfinite(a))
    throw std::domain_error(std::string(what) + ": local exponent a must be > 0 (got " + std::to_string(a) + ")");
  if (!(lambda > 0) || !std::isfinite(lambda))
    throw std::domain_error(std::string(what) + ": lambda must be > 0 (got " + std::to_string(lambda) + ")");
}

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

// --- the law seen from the nearest point (lambda >~ a) -------------------------------------------
//
// Why a second method. Above, E[H] = E log S + E[sum V W] is a difference of two terms of size ~lambda
// (both follow the nearest point V_1 ~ lambda) while E[H] ~ a/lambda: the cancellation costs lambda^2 of
// relative precision (lambda = 1e4 gave -0.22; from 1e5 on, Euler's constant, the Frullani term alone).
// E[ipr] -> 1 hides 1 - ipr ~ a/lambda the same way. So for lambda >= 2 max(a, 1) the expectations are
// taken given the nearest point.
//
// Given V_1 = v1 (t = Gamma_1 = (v1/lambda)^a ~ Exp(1)) the other points are a Poisson process of
// intensity m'(x) = a theta (v1 + x)^{a-1} = (a t / v1) (1 + x/v1)^{a-1} in the gap x = V_k - v1 > 0 (no
// point below v1, an independent Poisson process above). With g_k = e^{-x_k}, s = sum g_k, q = sum g_k^2,
// D = sum x_k g_k (the nearest point itself has g = 1, x = 0):
//   H = log(1 + s) + D/(1 + s),   1 - ipr = (2s + s^2 - q)/(1 + s)^2.
// Frullani for log(1 + s), 1/(1+s)^j = int u^{j-1} e^{-u(1+s)} du / (j-1)!, and the Mecke formula (s^2 - q
// = sum over pairs j != k, whose factorial moment measure is m' x m') give, with
//   Psi(u) = int (1 - e^{-u g}) m' dx,  Phi1(u) = int g e^{-u g} m' dx,  PhiD(u) = int x g e^{-u g} m' dx,
//   E[H | v1]       = int du e^{-u} [(1 - e^{-Psi})/u + PhiD e^{-Psi}],
//   E[1 - ipr | v1] = int du u e^{-u} e^{-Psi} Phi1 (2 + Phi1),
// and E[.] = int dt e^{-t} E[. | v1(t)]. Every integrand is positive: small values come without
// cancellation, to full relative precision at any lambda (at lambda >> a, E[H] -> (pi^2/6) a
// Gamma(2 - 1/a) / lambda and E[1 - ipr] -> a Gamma(2 - 1/a) / lambda for a > 1/2: one extra point at a
// gap of density m'(0)). Three nested integrals (t, u, x): 0.05 to 0.3 s a value.
//
// Numerics. Outer: tau = log t, Gauss-Kronrod. Middle: r = log u up to log 60 (e^{-u} leaves e^{-60}
// beyond), Gauss-Kronrod. Inner, for u <= e^{-2}: the series in u of the three integrals (moments
// M_k = int e^{-kx} m', N_k = int x e^{-kx} m'; 11 terms: e^{-22}/10! < 1e-16); for larger u: 10-point
// Gauss-Legendre on unit panels of x in [0, X_T] (the integrands are entire functions of r - x, bounded by
// 1 for |Im| < 1.4: error ~5.8^{-20}), graded towards x = 0 when v1 is small (the factor (1 + x/v1)^{a-1}
// has its branch point at -v1), and beyond X_T, where u g < e^{-8}, the series with tail moments. The
// moments by exp-sinh quadrature. Against an independent mpmath evaluation (50 digits) it agrees to
// ~1e-15; against the Frullani form at lambda = 2a to ~1e-13 (a <= 2047.5).
constexpr double kNearestPointFactor = 2.0;  // nearest-point form for lambda >= this * max(a, 1)

enum class Deficit { entropy, ipr };  // E[H], E[1 - sum W^2]

class NearestPoint {
 public:
  NearestPoint(double a, double lambda) : a_(a), log_lambda_(std::log(lambda)) {}

  double expectation(Deficit which) const {
    // Range of tau: the integrand e^{tau - t} E[.|t] falls like t^{2 - 1/a} (E[.|t] ~ m' ~ t^{1 - 1/a})
    // while v1 = lambda t^{1/a} >~ 1, and like t below that layer (v1 -> 0: a fixed law); it is cut where
    // it is e^{-45} of its scale. Above, e^{-t} at t = 50.
    const double p = 2.0 - 1.0 / a_;
    const double below_layer = -a_ * log_lambda_ - 45.0;  // 45 below the tau where v1 = 1
    double tau_lo = p >= 1.0 ? -45.0 : (p > 0.0 ? std::max(-45.0 / p, below_layer) : below_layer);
    tau_lo = std::min(tau_lo, -45.0);
    const double tau_hi = std::log(50.0);
    std::vector<double> points = {tau_lo, tau_hi};
    for (double tau : {-20.0, -8.0, -3.0, -1.0, 0.5, 2.0}) points.push_back(tau);
    for (int j = -6; j <= 6; j += 2) points.push_back(a_ * (j - log_lambda_));  // v1 = e^j: the layer
    const auto integrand = [&](double tau) {
      const double t = std::exp(tau);
      return std::exp(tau - t) * conditional(which, tau);
    };
    return adaptive_integral(integrand, sorted_within(points, tau_lo, tau_hi), 1e-12);
  }

 private:
  static constexpr int kSeriesTerms = 11;
  static constexpr int kTailTerms = 6;
  static constexpr double kSeriesLogU = -2.0;          // series in u for u <= e^{-2}
  static constexpr double kLogUMax = 4.0943445622221;  // log 60
  static constexpr double kTailStart = kLogUMax + 8.0;  // X_T: u g < e^{-8} beyond, for every u <= 60

  // The gap law given t: m'(x) = exp(log_kappa + (a - 1) log1p(x / v1)).
  struct Gap {
    double log_kappa = 0, v1 = 0;
    double M[kSeriesTerms + 1] = {}, N[kSeriesTerms + 1] = {};  // index k = 1..
    double T[kTailTerms + 1] = {}, TD[kTailTerms + 1] = {};
    std::vector<double> x, weight, g;  // Gauss-Legendre nodes on [0, X_T]: x, omega m'(x), e^{-x}
  };

  double log_density(const Gap& gap, double x) const {
    return gap.log_kappa + (a_ - 1.0) * std::log1p(x / gap.v1);
  }

  Gap make_gap(double tau) const {
    Gap gap;
    // a t / v1 with v1 = lambda t^{1/a}.
    gap.log_kappa = std::log(a_) - log_lambda_ + (1.0 - 1.0 / a_) * tau;
    gap.v1 = std::exp(log_lambda_ + tau / a_);
    constexpr double tol = 1e-14;
    for (int k = 1; k <= kSeriesTerms; ++k) {
      gap.M[k] = exp_sinh_.integrate([&](double x) { return std::exp(log_density(gap, x) - k * x); }, 0.0,
                                     std::numeric_limits<double>::infinity(), tol);
      gap.N[k] = exp_sinh_.integrate([&](double x) { return x * std::exp(log_density(gap, x) - k * x); }, 0.0,
                                     std::numeric_limits<double>::infinity(), tol);
    }
    for (int k = 1; k <= kTailTerms; ++k) {
      // y = x - X_T, so the exponent carries no large cancellation.
      gap.T[k] = exp_sinh_.integrate(
          [&](double y) { return std::exp(log_density(gap, kTailStart + y) - k * (kTailStart + y)); }, 0.0,
          std::numeric_limits<double>::infinity(), tol);
      gap.TD[k] = exp_sinh_.integrate(
          [&](double y) {
            return (kTailStart + y) * std::exp(log_density(gap, kTailStart + y) - k * (kTailStart + y));
          },
          0.0, std::numeric_limits<double>::infinity(), tol);
    }
    // Panels: graded [v1/2, v1], [v1, 2 v1], ... below width 1 (branch point at -v1), then unit panels.
    std::vector<double> edges = {0.0};
    if (gap.v1 < 2.0) {
      double edge = 0.5 * gap.v1;
      while (edge < 1.0) {
        edges.push_back(edge);
        edge *= 2.0;
      }
    }
    while (edges.back() + 1.0 < kTailStart) edges.push_back(edges.back() + 1.0);
    edges.push_back(kTailStart);
    using GL = boost::math::quadrature::gauss<double, 10>;
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
      const double mid = 0.5 * (edges[i] + edges[i + 1]), half = 0.5 * (edges[i + 1] - edges[i]);
      for (std::size_t j = 0; j < GL::abscissa().size(); ++j)
        for (double side : {-1.0, 1.0}) {
          const double x = mid + side * half * GL::abscissa()[j];
          gap.x.push_back(x);
          gap.weight.push_back(half * GL::weights()[j] * std::exp(log_density(gap, x)));
          gap.g.push_back(std::exp(-x));
        }
    }
    return gap;
  }

  struct Laplace {
    double psi = 0, phi = 0, phid = 0;  // Psi(u), u Phi1(u), u PhiD(u)
  };

  // Series in u: Psi = sum (-1)^{k+1} u^k M_k / k!, u Phi1 = sum (-1)^{k+1} u^k M_k / (k-1)!, likewise
  // u PhiD with N_k. Returns false where the terms do not fall off (then the quadrature is used).
  static bool series(const double* M, const double* N, int terms, double u, Laplace* out) {
    double power = 1.0, factorial = 1.0, largest = 0.0;
    Laplace l;
    for (int k = 1; k <= terms; ++k) {
      power *= -u;
      const double over_km1 = power / factorial;  // (-u)^k / (k-1)!
      factorial *= k;
      l.psi -= over_km1 * M[k] / k;
      l.phi -= over_km1 * M[k];
      l.phid -= over_km1 * N[k];
      largest = std::max(largest, std::abs(over_km1 * M[k]));
    }
    *out = l;
    return largest < 1e3 * std::abs(l.phi);
  }

  Laplace laplace(const Gap& gap, double r) const {
    const double u = std::exp(r);
    Laplace l;
    if (r <= kSeriesLogU && series(gap.M, gap.N, kSeriesTerms, u, &l)) return l;
    for (std::size_t j = 0; j < gap.x.size(); ++j) {
      const double w = u * gap.g[j];
      const double em = std::expm1(-w);  // e^{-w} - 1
      const double ew = w * (1.0 + em);  // w e^{-w}
      l.psi -= gap.weight[j] * em;
      l.phi += gap.weight[j] * ew;
      l.phid += gap.weight[j] * gap.x[j] * ew;
    }
    Laplace tail;
    series(gap.T, gap.TD, kTailTerms, u, &tail);  // u g <= e^{-8}: converges at once
    l.psi += tail.psi;
    l.phi += tail.phi;
    l.phid += tail.phid;
    return l;
  }

  // E[. | t] as an integral over r = log u.
  double conditional(Deficit which, double tau) const {
    const Gap gap = make_gap(tau);
    const auto integrand = [&](double r) {
      const double u = std::exp(r);
      const Laplace l = laplace(gap, r);
      const double keep = l.psi < 745.0 ? std::exp(-l.psi) : 0.0;  // e^{-Psi}
      if (which == Deficit::entropy) return std::exp(-u) * (-std::expm1(-l.psi) + (keep > 0 ? l.phid * keep : 0.0));
      return keep > 0 ? std::exp(-u) * keep * l.phi * (2.0 * u + l.phi) : 0.0;
    };
    // As u -> 0 the integrands fall like u (M_1 + N_1): r_lo is 40 below where they stop growing
    // (u (M_1 + N_1) ~ 1, or u ~ 1 where e^{-u} takes over).
    const double scale = gap.M[1] + gap.N[1];
    const double r_lo = -40.0 - std::max(0.0, std::log(scale));
    std::vector<double> points = {r_lo, kLogUMax, kSeriesLogU, 0.5, 2.5, -6.0, -15.0, -28.0};
    if (scale > 1.0) for (double shift : {-3.0, 0.0, 3.0}) points.push_back(shift - std::log(scale));
    return adaptive_integral(integrand, sorted_within(points, r_lo, kLogUMax), 1e-12);
  }

  static std::vector<double> sorted_within(std::vector<double> points, double lo, double hi) {
    std::sort(points.begin(), points.end());
    std::vector<double> kept;
    for (double p : points)
      if (p >= lo && p <= hi && (kept.empty() || p > kept.back() + 1e-9 * (1.0 + std::abs(p)))) kept.push_back(p);
    if (kept.size() < 2) kept = {lo, hi};
    return kept;
  }

  // Gauss-Kronrod on each piece; a piece is refined only if its error estimate exceeds rel_tol of the
  // whole integral's L1 norm (a relative target per piece would chase rounding on negligible pieces).
  template <class F>
  static double adaptive_integral(F f, const std::vector<double>& breakpoints, double rel_tol) {
    using GK = boost::math::quadrature::gauss_kronrod<double, 31>;
    const std::size_t pieces = breakpoints.size() - 1;
    std::vector<double> value(pieces), error(pieces), l1(pieces);
    double total_l1 = 0.0;
    for (std::size_t i = 0; i < pieces; ++i) {
      value[i] = GK::integrate(f, breakpoints[i], breakpoints[i + 1], 0, 0.0, &error[i], &l1[i]);
      total_l1 += l1[i];
    }
    double total = 0.0;
    for (std::size_t i = 0; i < pieces; ++i) {
      if (error[i] > rel_tol * total_l1) {
        const double tol = std::min(1e-3, rel_tol * total_l1 / (l1[i] + error[i]));
        value[i] = GK::integrate(f, breakpoints[i], breakpoints[i + 1], 12, tol, &error[i]);
      }
      total += value[i];
    }
    return total;
  }

  double a_, log_lambda_;
  mutable boost::math::quadrature::exp_sinh<double> exp_sinh_;  // integrate() is non-const in Boost 1.74
};

bool use_nearest_point(double a, double lambda) { return lambda >= kNearestPointFactor * std::max(a, 1.0); }

}  // namespace

double critical_ipr(double a, double lambda) {
  require_exponent_and_lambda(a, lambda, "critical_ipr");
  if (use_nearest_point(a, lambda)) return 1.0 - NearestPoint(a, lambda).expectation(Deficit::ipr);
  const MeckeIntegrals mecke(a, lambda);
  const std::vector<double> breakpoints = mecke.breakpoints();
  const auto integrand = [&](double r) {
    const Inner in = mecke.inner(r);
    return std::exp(in.log_phi2 - std::exp(in.log_psi));  // theta Phi2 e^{-theta Psi1}
  };
  return outer_integral(integrand, breakpoints);
}

double critical_entropy(double a, double lambda) {
  require_exponent_and_lambda(a, lambda, "critical_entropy");
  if (use_nearest_point(a, lambda)) return NearestPoint(a, lambda).expectation(Deficit::entropy);
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

// --- the exact sampler ---------------------------------------------------------------------------

namespace {

// Per-trial statistics of one draw of the critical law, truncated after `points` points (0: choose by
// the tail tolerance) with the conditional mean of the neglected part added back.
struct TrialResult {
  double ipr = 0, w_max = 0, entropy = 0, dw_max_dlambda = 0, bound = 0;
  std::uint64_t points = 0;
};

// Standard exponential number k of a trial: word k % 4 of Philox block (seed, trial, k / 4, draw 0).
// Read in order, so each block is generated once for its four words.
class Exponentials {
 public:
  Exponentials(std::uint64_t seed, std::uint32_t trial) : seed_(seed), trial_(trial) {}
  double operator()(std::uint64_t k) {
    if (k / 4 != block_index_ || !valid_) {
      block_index_ = k / 4;
      block_ = key_block(seed_, trial_, block_index_, 0u);
      valid_ = true;
    }
    return -std::log(uniform_open(block_.v[k % 4]));
  }

 private:
  std::uint64_t seed_;
  std::uint32_t trial_;
  std::uint64_t block_index_ = 0;
  bool valid_ = false;
  Philox4 block_{};
};

struct TailMoments {
  double mass = 0, mass_sd = 0, square = 0, spread = 0;  // all relative to e^{-V_1}
};

// Conditional moments, given the K-th point at v_K, of the neglected sums over v > v_K of
// g = e^{-(v - V_1)}: E sum g, sd sum g, E sum g^2, E sum (v - V_1) g.
// log Q(s, x) also where Q underflows a double (x >> s). The sampler needs it there: at large a and
// lambda > a the tail moments are e^{v_1} Q(a, v_K) (v_1 ~ lambda ~ 3000 at d = 4096), and a Q that
// rounds to 0 made every trial stop after its first point with the tail dropped (biased w_max, ipr).
// (The Mecke integrals above do not need this: where their tail Q underflows, the body dominates it.)
// With t = y - x: Gamma(s, x) = x^{s-1} e^{-x} int_0^inf e^{-t} (1 + t/x)^{s-1} dt, an O(1) integral.
double log_gamma_q_deep(double s, double x) {
  const double plain = log_gamma_q(s, x);
  if (plain != kNegInf || !(x > s)) return plain;
  thread_local boost::math::quadrature::exp_sinh<double> integrator;  // integrate() is not thread-safe
  const double integral = integrator.integrate(
      [&](double t) { return std::exp((s - 1.0) * std::log1p(t / x) - t); }, 0.0,
      std::numeric_limits<double>::infinity(), 1e-12);
  return (s - 1.0) * std::log(x) - x - boost::math::lgamma(s) + std::log(integral);
}

TailMoments tail_moments(double a, double log_theta, double lgamma_a1, double v1, double v_K) {
  TailMoments t;
  const double log_mass = log_theta + lgamma_a1 + log_gamma_q_deep(a, v_K) + v1;
  const double log_square = log_theta - a * std::log(2.0) + lgamma_a1 + log_gamma_q_deep(a, 2.0 * v_K) + 2.0 * v1;
  const double log_first = log_theta + std::log(a) + lgamma_a1 + log_gamma_q_deep(a + 1.0, v_K) + v1;
  t.mass = std::exp(log_mass);
  t.square = std::exp(log_square);
  t.mass_sd = std::sqrt(t.square);  // Poisson: Var sum g = E sum g^2
  t.spread = std::exp(log_first) - v1 * t.mass;
  return t;
}

TrialResult sample_trial(double a, double lambda, const CriticalSamplerOptions& options, std::uint32_t trial,
                         std::uint64_t fixed_points, std::vector<double>* top_weights = nullptr, int top_count = 0) {
  const double log_theta = -a * std::log(lambda);
  const double lgamma_a1 = boost::math::lgamma(a + 1.0);
  const double inv_a = 1.0 / a;
  Exponentials exponential(options.seed, trial);
  double gamma_sum = exponential(0);
  const double gamma_1 = gamma_sum, log_gamma_1 = std::log(gamma_sum);
  const double v1 = lambda * std::pow(gamma_sum, inv_a);
  double sum = 1.0, sum_sq = 1.0, sum_spread = 0.0;  // point 1: g = 1, v - V_1 = 0
  std::vector<double> g_values;
  if (top_weights) g_values.push_back(1.0);
  std::uint64_t k = 1;
  double v_K = v1;
  TailMoments tail = tail_moments(a, log_theta, lgamma_a1, v1, v_K);
  const std::uint64_t limit = fixed_points ? fixed_points : options.max_points;
  std::uint64_t check_every = 8;
  while (k < limit && (fixed_points || tail.mass_sd > options.tail_tolerance * sum)) {
    gamma_sum += exponential(k);
    ++k;
    // The gap V_K - V_1 = v1 ((Gamma_K / Gamma_1)^{1/a} - 1), formed without the cancellation of
    // V_K - V_1 (v1 ~ lambda: at lambda = 3000 that cost ~1e-13 of every gap) and without pow (which
    // was 40% of the time at d = 4096).
    const double gap = a == 1.0 ? lambda * (gamma_sum - gamma_1)
                                : v1 * std::expm1((std::log(gamma_sum) - log_gamma_1) * inv_a);
    v_K = v1 + gap;
    const double g = std::exp(-gap);
    sum += g;
    sum_sq += g * g;
    sum_spread += gap * g;
    if (top_weights && static_cast<int>(g_values.size()) < top_count) g_values.push_back(g);
    // The tail is recomputed only every few points: its three incomplete gammas cost far more than a
    // point (at large a, lambda <~ a, where trials run to max_points, checking every 8 points took 85%
    // of the time). Every 8 points below k = 256, then every power of two in (k/32, k/16]: at most
    // k/16 points past the first k that would pass.
    if (k >= 32 * check_every) check_every *= 2;
    if (fixed_points == 0 && (k % check_every == 0 || k == limit)) tail = tail_moments(a, log_theta, lgamma_a1, v1, v_K);
  }
  tail = tail_moments(a, log_theta, lgamma_a1, v1, v_K);
  const double total = sum + tail.mass;
  TrialResult out;
  out.points = k;
  out.bound = tail.mass_sd / total;
  out.w_max = 1.0 / total;
  out.ipr = (sum_sq + tail.square) / (total * total);
  const double spread = sum_spread + tail.spread;  // sum (V_k - V_1) g_k
  out.entropy = std::log(total) + spread / total;
  out.dw_max_dlambda = spread / (lambda * total * total);
  if (top_weights) {
    top_weights->clear();
    for (double g : g_values) top_weights->push_back(g / total);
  }
  return out;
}

struct Moments {
  double sum = 0, sum_sq = 0;
  void add(double x) { sum += x; sum_sq += x * x; }
  double mean(double n) const { return sum / n; }
  double stderr_(double n) const {
    if (n < 2) return 0.0;
    const double m = sum / n;
    return std::sqrt(std::max(0.0, (sum_sq / n - m * m) * n / (n - 1.0)) / n);
  }
};

void require_options(const CriticalSamplerOptions& options) {
  if (options.trials < 2) throw std::domain_error("sample_critical: need at least 2 trials");
  if (options.trials > 0xffffffffULL) throw std::domain_error("sample_critical: at most 2^32 - 1 trials");
  if (options.max_points < 1) throw std::domain_error("sample_critical: max_points must be >= 1");
}

// Points per trial chosen at lambda (valid for every larger lambda: the tail only shrinks).
std::vector<std::uint64_t> points_per_trial(double a, double lambda, const CriticalSamplerOptions& options) {
  std::vector<std::uint64_t> points(options.trials);
#pragma omp parallel for schedule(dynamic, 64)
  for (long long t = 0; t < static_cast<long long>(options.trials); ++t)
    points[t] = sample_trial(a, lambda, options, static_cast<std::uint32_t>(t), 0).points;
  return points;
}

CriticalSample summarise(double a, double lambda, const CriticalSamplerOptions& options,
                         const std::vector<std::uint64_t>* fixed_points) {
  Moments ipr, w_max, entropy, slope;
  double bound = 0.0, total_points = 0.0;
  std::uint64_t max_points = 0, ipr_resolved = 0, w_max_resolved = 0;
  const long long trials = static_cast<long long>(options.trials);
  std::vector<TrialResult> results(options.trials);
#pragma omp parallel for schedule(dynamic, 64)
  for (long long t = 0; t < trials; ++t)
    results[t] = sample_trial(a, lambda, options, static_cast<std::uint32_t>(t), fixed_points ? (*fixed_points)[t] : 0);
  for (const TrialResult& r : results) {  // serial sum: the same numbers for any thread count
    ipr.add(r.ipr);
    w_max.add(r.w_max);
    entropy.add(r.entropy);
    slope.add(r.dw_max_dlambda);
    bound = std::max(bound, r.bound);
    max_points = std::max(max_points, r.points);
    total_points += static_cast<double>(r.points);
    ipr_resolved += r.ipr < 1.0;
    w_max_resolved += r.w_max < 1.0;
  }
  const double n = static_cast<double>(options.trials);
  CriticalSample out;
  out.ipr = ipr.mean(n);
  out.ipr_stderr = ipr.stderr_(n);
  out.w_max = w_max.mean(n);
  out.w_max_stderr = w_max.stderr_(n);
  out.entropy = entropy.mean(n);
  out.entropy_stderr = entropy.stderr_(n);
  out.dw_max_dlambda = slope.mean(n);
  // No trial resolved a deficit (each 1 - w_max < 2^-53: near-ties rarer than 1 in T, e.g. lambda >~ T
  // at a = 1): the sample variance is 0, E[1 - w_max] is not. Zero of T trials bounds P(1 - w_max > 2^-53)
  // by 3/T (95%, rule of three), and 1 - w_max < 1, so E[1 - w_max] < 3/T: that bound replaces the 0.
  if (w_max_resolved == 0) {
    out.w_max_stderr = 3.0 / n;
    out.w_max_stderr_is_bound = true;
  }
  if (ipr_resolved == 0) {
    out.ipr_stderr = 3.0 / n;
    out.ipr_stderr_is_bound = true;
  }
  out.truncation_bound = bound;
  out.trials = options.trials;
  out.max_points_used = max_points;
  out.mean_points_used = total_points / n;
  return out;
}

}  // namespace

CriticalSample sample_critical(double a, double lambda, const CriticalSamplerOptions& options) {
  require_exponent_and_lambda(a, lambda, "sample_critical");
  require_options(options);
  return summarise(a, lambda, options, nullptr);
}

std::vector<double> sample_critical_weights(double a, double lambda, std::uint64_t seed, std::uint32_t trial,
                                            int count) {
  require_exponent_and_lambda(a, lambda, "sample_critical_weights");
  if (count < 1) throw std::domain_error("sample_critical_weights: count must be >= 1");
  CriticalSamplerOptions options;
  options.seed = seed;
  std::vector<double> weights;
  sample_trial(a, lambda, options, trial, 0, &weights, count);
  return weights;
}

// --- inverse ---------------------------------------------------------------------------------

CriticalObservable parse_observable(const char* name) {
  if (std::strcmp(name, "ipr") == 0) return CriticalObservable::ipr;
  if (std::strcmp(name, "w_max") == 0) return CriticalObservable::w_max;
  if (std::strcmp(name, "entropy") == 0) return CriticalObservable::entropy;
  throw std::domain_error(std::string("unknown observable '") + name + "' (expected ipr, w_max or entropy)");
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
  return InputError(fmt::format(
      "--target: the limit {} at local exponent a = {} takes the values ({:.4g}, {:.4g}) for lambda in [{:g}, {:g}] "
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
    throw InputError(fmt::format(
        "--target: a w_max target of {:g} is within 3/T = {:.2g} of 1, closer than T = {} sampler trials resolve "
        "(1 - w_max comes from near-ties rarer than 1 in T); use more trials, or the exact ipr or entropy",
        target, 3.0 / trials, options.trials));
  const auto too_costly = [&](double lambda, double points) {
    return InputError(fmt::format(
        "--target: a w_max target of {:g} needs lambda near {:.3g} (local exponent a = {}), where the exact sampler "
        "needs ~{:.3g} points per trial, more than the limit of {:g}; use a larger target, or --observable ipr or "
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
    if (i == 40) throw std::domain_error("critical_lambda_star: sampled w_max stays below the target; use more trials");
    hi *= step;
    w_hi = pilot_w_max(hi);
  }
  double lo = hi / step;
  for (int i = 0; pilot_w_max(lo) >= target; ++i) {
    if (i == 200) throw std::domain_error("critical_lambda_star: sampled w_max stays above the target; use more trials");
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
    if (i == 40) throw std::domain_error("critical_lambda_star: sampled w_max stays above the target; use more trials");
    hi = lo;  // the full sample is still above the target at lo (pilot noise): step on down, gently
    lo /= 1.05;
  }
  double f_hi = f(std::log(hi));
  for (int i = 0; f_hi < 0; ++i) {
    if (i == 40) throw std::domain_error("critical_lambda_star: sampled w_max stays below the target; use more trials");
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
    throw std::domain_error("critical_lambda_star: local exponent a must be > 0 (got " + std::to_string(a) + ")");
  if (observable == CriticalObservable::entropy) {
    if (!(target > 0) || !std::isfinite(target))
      throw std::domain_error("critical_lambda_star: an entropy target must be > 0 (got " + std::to_string(target) + ")");
  } else if (!(target > 0 && target < 1)) {
    throw std::domain_error(std::string("critical_lambda_star: a ") + observable_name(observable) +
                            " target must be in (0, 1) (got " + std::to_string(target) + ")");
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
