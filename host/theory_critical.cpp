// The critical law (THEORY.md sections 2-3) for any local exponent a > 0: Mecke-formula limits,
// the exact sampler of the ordered weights, and the inverse lambda*(target).
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
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>

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

}  // namespace

double critical_ipr(double a, double lambda) {
  require_exponent_and_lambda(a, lambda, "critical_ipr");
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
double exponential(std::uint64_t seed, std::uint32_t trial, std::uint64_t k) {
  const Philox4 block = key_block(seed, trial, k / 4, 0u);
  return -std::log(uniform_open(block.v[k % 4]));
}

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
  double gamma_sum = exponential(options.seed, trial, 0);
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
    gamma_sum += exponential(options.seed, trial, k);
    ++k;
    v_K = lambda * std::pow(gamma_sum, inv_a);
    const double g = std::exp(-(v_K - v1));
    sum += g;
    sum_sq += g * g;
    sum_spread += (v_K - v1) * g;
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
  double bound = 0.0;
  std::uint64_t max_points = 0;
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
  out.truncation_bound = bound;
  out.trials = options.trials;
  out.max_points_used = max_points;
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

// Root of an increasing function of log lambda, bracketed by geometric expansion from lambda0.
template <class F>
double solve_increasing_in_log_lambda(F f, double lambda0, int bits) {
  double lo = std::log(lambda0), hi = lo;
  double step = 1.0;
  for (int i = 0; f(lo) > 0; ++i) {
    if (i > 60) throw std::domain_error("critical_lambda_star: no lambda found below the target");
    lo -= step;
    step *= 1.5;
  }
  step = 1.0;
  for (int i = 0; f(hi) < 0; ++i) {
    if (i > 60) throw std::domain_error("critical_lambda_star: no lambda found above the target");
    hi += step;
    step *= 1.5;
  }
  boost::math::tools::eps_tolerance<double> tol(bits);
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(f, lo, hi, tol, iterations);
  return std::exp(0.5 * (root.first + root.second));
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
    out.lambda = solve_increasing_in_log_lambda(
        [&](double log_lambda) { return critical_ipr(a, std::exp(log_lambda)) - target; }, lambda0, 44);
    return out;
  }
  if (observable == CriticalObservable::entropy) {
    out.lambda = solve_increasing_in_log_lambda(
        [&](double log_lambda) { return target - critical_entropy(a, std::exp(log_lambda)); }, lambda0, 44);
    return out;
  }
  // w_max: E[ipr] <= E[w_max] <= sqrt(E[ipr]) brackets lambda* between lambda_ipr(target^2) and
  // lambda_ipr(target). Points per trial are fixed at the lower end, so every evaluation uses the
  // same draws (common random numbers): the estimate is monotone and smooth in lambda.
  require_options(options);
  const double lambda_lo = critical_lambda_star(a, CriticalObservable::ipr, target * target).lambda;
  const double lambda_hi = critical_lambda_star(a, CriticalObservable::ipr, target).lambda;
  const double start = 0.5 * lambda_lo;  // margin for sampling noise at the bracket ends
  const std::vector<std::uint64_t> points = points_per_trial(a, start, options);
  const auto f = [&](double log_lambda) {
    return summarise(a, std::max(std::exp(log_lambda), start), options, &points).w_max - target;
  };
  double lo = std::log(lambda_lo), hi = std::log(lambda_hi);
  if (f(lo) > 0) lo = std::log(start);
  if (f(lo) > 0) throw std::domain_error("critical_lambda_star: sampled w_max above target at the bracket; use more trials");
  for (int i = 0; f(hi) < 0; ++i) {
    if (i > 40) throw std::domain_error("critical_lambda_star: sampled w_max below target; use more trials");
    hi += 0.25;
  }
  boost::math::tools::eps_tolerance<double> tol(40);
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(f, lo, hi, tol, iterations);
  out.lambda = std::exp(0.5 * (root.first + root.second));
  const CriticalSample at = summarise(a, out.lambda, options, &points);
  out.stderr_ = at.dw_max_dlambda > 0 ? at.w_max_stderr / at.dw_max_dlambda : std::numeric_limits<double>::infinity();
  return out;
}

}  // namespace attnlim::theory
