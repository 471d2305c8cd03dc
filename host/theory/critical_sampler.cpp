// The exact sampler of the critical law (THEORY.md section 3): the points Y_k = Gamma_k^(1/a) of one trial
// from Philox exponentials, truncated where the neglected mass is below a tolerance, with its conditional
// mean added back; per-trial ipr, w_max and entropy, summarised over trials.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "attnlim/core/philox.hpp"
#include "attnlim/core/variates.hpp"
#include "critical_common.hpp"

namespace attnlim::theory {

using namespace detail;

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

}  // namespace

namespace detail {

void require_options(const CriticalSamplerOptions& options) {
  if (options.trials < 2) refuse("trials", fmt::format("need at least 2 (got {})", options.trials), "sample_critical");
  if (options.trials > 0xffffffffULL) refuse("trials", fmt::format("at most 2^32 - 1 (got {})", options.trials), "sample_critical");
  if (options.max_points < 1) refuse("max_points", "must be >= 1", "sample_critical");
}

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

}  // namespace detail

CriticalSample sample_critical(double a, double lambda, const CriticalSamplerOptions& options) {
  require_exponent_and_lambda(a, lambda, "sample_critical");
  require_options(options);
  return summarise(a, lambda, options, nullptr);
}

std::vector<double> sample_critical_weights(double a, double lambda, std::uint64_t seed, std::uint32_t trial,
                                            int count) {
  require_exponent_and_lambda(a, lambda, "sample_critical_weights");
  if (count < 1) refuse("count", fmt::format("must be >= 1 (got {})", count), "sample_critical_weights");
  CriticalSamplerOptions options;
  options.seed = seed;
  std::vector<double> weights;
  sample_trial(a, lambda, options, trial, 0, &weights, count);
  return weights;
}

}  // namespace attnlim::theory
