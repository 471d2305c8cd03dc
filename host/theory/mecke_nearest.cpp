
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

#include "critical_common.hpp"

namespace attnlim::theory {

using namespace detail;

namespace {

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

}  // namespace

namespace detail {

double nearest_point_ipr_deficit(double a, double lambda) { return NearestPoint(a, lambda).expectation(Deficit::ipr); }
double nearest_point_entropy(double a, double lambda) { return NearestPoint(a, lambda).expectation(Deficit::entropy); }

}  // namespace detail

}  // namespace attnlim::theory
