// The critical law (THEORY.md section 3) for any local exponent a > 0: Mecke-formula limits, the exact
// sampler of the ordered weights, and lambda* (the lambda at which a limit observable reaches a target).
// Every function throws attnlim::InputError naming the argument (`d`, `beta`, `lambda`, ...) for a value
// outside its domain; the message also names the function.
#pragma once
#include <cstdint>
#include <vector>

namespace attnlim::theory {

// ---------------------------------------------------------------------------------------------
// Section 3, critical law: points Y_k = Gamma_k^{1/a} of a Poisson process with mean measure y^a,
// weights W_k = e^{-lambda Y_k} / sum_j e^{-lambda Y_j}. Any local exponent a > 0.
// ---------------------------------------------------------------------------------------------

// E[sum W_k^2] by the Mecke formula (deterministic quadrature, ~1e-12 relative).
double critical_ipr(double a, double lambda);
// E[-sum W_k log W_k] = E log S + lambda E[sum Y_k e^{-lambda Y_k} / S] (Frullani + Mecke).
// For lambda >= 2 max(a, 1) both are taken given the nearest point instead: E[H] and 1 - E[ipr] fall like
// a/lambda, and the Frullani form loses them to cancellation (lambda^2 of relative precision). E[H] is
// accurate to ~1e-15 relative against mpmath up to lambda = 1e9, and follows its asymptote
// (pi^2/6) a Gamma(2 - 1/a) / lambda to lambda = 1e300; 0.05 to 0.3 s a value.
double critical_entropy(double a, double lambda);

struct CriticalSamplerOptions {
  std::uint64_t trials = 4000;
  std::uint64_t seed = 0x5eed5eedULL;
  // Points are generated until the standard deviation of the neglected mass sum_{k>K} e^{-lambda Y_k}
  // (whose conditional mean given Gamma_K is added back exactly) is below tail_tolerance * S_K,
  // or until max_points points.
  double tail_tolerance = 1e-12;
  std::uint64_t max_points = 1u << 16;
};

// Mean and standard error of per-trial observables of the critical law, from the exact sampler.
// Resolution limit: where no trial resolves 1 - w_max (every w_max rounds to 1: near-ties rarer than 1 in
// T trials, e.g. lambda >~ T for a = 1), the sample variance is 0 but E[1 - w_max] is not. Then
// w_max_stderr is the rule-of-three bound 3/T instead (95%: E[1 - w_max] < 3/T) and w_max_stderr_is_bound
// is set; likewise ipr. (critical_ipr gives E[sum W^2] exactly at any lambda.)
struct CriticalSample {
  double ipr = 0.0, ipr_stderr = 0.0;
  double w_max = 0.0, w_max_stderr = 0.0;
  double entropy = 0.0, entropy_stderr = 0.0;
  bool ipr_stderr_is_bound = false, w_max_stderr_is_bound = false;
  double dw_max_dlambda = 0.0;    // d E[w_max] / d lambda (same draws)
  double truncation_bound = 0.0;  // max over trials of sd(neglected mass) / S (mean added back)
  std::uint64_t trials = 0;
  std::uint64_t max_points_used = 0;
  double mean_points_used = 0.0;  // points per trial, the sampler's cost
};
CriticalSample sample_critical(double a, double lambda, const CriticalSamplerOptions& options = {});
// The largest `count` weights W_(1) >= W_(2) >= ... of one draw (trial) of the critical law.
std::vector<double> sample_critical_weights(double a, double lambda, std::uint64_t seed, std::uint32_t trial,
                                            int count);

enum class CriticalObservable { ipr, w_max, entropy };
// Parses "ipr" | "w_max" | "entropy"; throws InputError naming `observable` otherwise.
CriticalObservable parse_observable(const char* name);
const char* observable_name(CriticalObservable observable);

struct LambdaStar {
  double lambda = 0.0;
  double stderr_ = 0.0;  // 0 for the Mecke observables (ipr, entropy): quadrature, no noise
};
// lambda_star is searched in [kLambdaStarMin, kLambdaStarMax].
constexpr double kLambdaStarMin = 1e-300, kLambdaStarMax = 1e300;
// w_max targets that need more points per trial than this are refused: small targets (~(15/lambda)^a
// points at small lambda: a = 1 below ~0.0013) and, at large a, lambda <~ 1.5 a (d = 128 or 4096: w_max
// below ~0.6). At the default 4000 trials one evaluation is then <= 3.3e7 points, a solve ~12
// evaluations: seconds. (Each was ~target^-2 points before the bracket fix: 132 s at target 0.01.)
constexpr double kWmaxMaxPointsPerTrial = 8192;
// The w_max solve samples with tail_tolerance at least this (the neglected mass's conditional mean is
// added back; its sd of 1e-6 S is noise far below the spread of w_max between trials).
constexpr double kWmaxTailTolerance = 1e-6;
// The lambda at which the limit observable equals target. ipr and w_max increase from 0 to 1 in
// lambda (target in (0, 1)); entropy decreases from +inf to 0 (target > 0). w_max uses the sampler
// with common random numbers, so the function of lambda is monotone and smooth; its standard error
// is propagated through the slope. Throws InputError naming `target` for a target outside those ranges, and
// for one that is unreachable in practice: ipr or entropy beyond
// their values at the ends of the lambda range (the entropy target must lie in
// (E[H](kLambdaStarMax), E[H](kLambdaStarMin)) ~ (1.6e-300 a Gamma(2 - 1/a), a (1 + 690.8) + log Gamma(a+1))),
// a w_max target that needs more than kWmaxMaxPointsPerTrial points per trial, or one above 1 - 3/T
// (closer to 1 than T sampler trials resolve).
LambdaStar critical_lambda_star(double a, CriticalObservable observable, double target,
                                const CriticalSamplerOptions& options = {});

}  // namespace attnlim::theory
