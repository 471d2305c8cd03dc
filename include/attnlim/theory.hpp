// Closed-form and exact-limit predictions of THEORY.md, computed on the host with Boost.Math.
// Every function throws std::domain_error (or attnlim::InputError where the CLI passes user input
// straight through) on arguments outside its domain, with a message naming the argument.
#pragma once
#include <cstdint>
#include <vector>

namespace attnlim::theory {

// ---------------------------------------------------------------------------------------------
// Section 2: local law of the distance E = 1 - <q, K> near the query.
// ---------------------------------------------------------------------------------------------

// Local exponent a = (d - 1)/2 of the distance law of uniform keys: P(E <= s) ~ c_d s^a.
double local_exponent(int d);
// c_d = 2^a / ((d - 1) B(1/2, a)). Overflows a double for d > 2049: throws std::overflow_error
// there; use log_c_d.
double c_d(int d);
// log c_d, finite for every d >= 2.
double log_c_d(int d);
// The critical scale (n c_d)^{1/a} = (n c_d)^{2/(d-1)}: beta = lambda * critical_scale(d, n).
double critical_scale(int d, double n);

// A key law seen from the query: P(E <= s) ~ c s^a as s -> 0 (c = exp(log_c)). The critical law
// depends on a only; c enters through the scale beta = lambda (n c)^{1/a}.
struct LocalLaw {
  double a = 1.0;
  double log_c = 0.0;
};
// Uniform keys on S^{d-1}: a = (d-1)/2, c = c_d.
LocalLaw uniform_law(int d);
// Keys uniform on a great subsphere S^{m-1} through q (m >= 2): the law of E is the d = m law.
LocalLaw subsphere_law(int m);
// Keys with density proportional to |x - q|^gamma on S^{d-1} (gamma > -(d-1)). With |x-q|^2 = 2E
// the distance has density prop. to E^{a+gamma/2-1} (2-E)^{a-1}, so P(E <= s) = I_{s/2}(a', a)
// with a' = a + gamma/2 = (d-1+gamma)/2 and c = 2^{-a'} / (a' B(a', a)).
LocalLaw power_density_law(int d, double gamma);
// (n c)^{1/a}, computed in logs (no overflow for large a).
double critical_scale(const LocalLaw& law, double n);
// beta = lambda (n c)^{1/a}.
double critical_beta(const LocalLaw& law, double n, double lambda);
double critical_beta(int d, double n, double lambda);

// ---------------------------------------------------------------------------------------------
// Section 1: exact law of the distance of a uniform key, P(E <= s) = I_{s/2}(a, a).
// ---------------------------------------------------------------------------------------------
double distance_cdf(int d, double s);
// log P(E <= s), finite below the smallest double (series in log space where I_x underflows).
double log_distance_cdf(int d, double s);
// log P(E > s).
double log_distance_sf(int d, double s);
// The s with P(E <= s) = p, 0 <= p <= 1.
double distance_quantile(int d, double p);
// The s with log P(E <= s) = log_p (log_p <= 0; works for log_p far below log(1e-300)).
double distance_quantile_log(int d, double log_p);
// log of that s (for tiny probabilities where s itself underflows, e.g. d = 2).
double log_distance_quantile_log(int d, double log_p);

// ---------------------------------------------------------------------------------------------
// Section 3, subcritical: moment generating function of X = <q, K> and the Bessel ratio.
// All accurate for 0 <= beta <= 1e12 and 2 <= d <= 4096 (and beyond, at cost O(d^2) for beta
// near d^2), with no overflow.
// ---------------------------------------------------------------------------------------------

// A_d(beta) = I_{d/2}(beta) / I_{d/2-1}(beta) = E[X e^{bX}] / E[e^{bX}].
double A_d(int d, double beta);
// 1 - A_d(beta), without cancellation for large beta (-> (d-1)/(2 beta)).
double bias(int d, double beta);
// log M_d(beta), M_d(beta) = E e^{beta X} = Gamma(d/2) (2/beta)^{d/2-1} I_{d/2-1}(beta).
double log_M(int d, double beta);
// Var of X under the tilted law e^{beta X}: the derivative A_d'(beta), = 1/d at beta = 0.
double tilted_variance(int d, double beta);
// log(M(2 beta) / M(beta)^2), without the cancellation of 2 beta against 2 * beta.
double log_M2_over_M_squared(int d, double beta);

// All subcritical predictions at finite n and beta (delta method, THEORY.md section 3).
struct Subcritical {
  double A = 0.0;                    // A_d(beta): |O| in the n -> infinity limit
  double bias = 0.0;                 // 1 - A_d(beta)
  double log_M = 0.0;                // log E e^{beta X}
  double radial_variance = 0.0;      // (1/n) E[e^{2bX}(X - A)^2] / M(b)^2
  double tangential_variance = 0.0;  // per direction: (1/n) E[e^{2bX}(1 - X^2)] / ((d-1) M(b)^2)
  double n_eff = 0.0;                // n M(b)^2 / M(2b) ~ 1 / sum w^2
  double ipr = 0.0;                  // 1 / n_eff = M(2b) / (n M(b)^2)
};
Subcritical subcritical(int d, double beta, double n);
// Where those predictions apply. The delta method is leading order as lambda -> 0 and its variances and
// n_eff are ratios to M(2 beta): the tilted law e^{2 beta X} puts its mass near X = A_d(2 beta), at
// distance 1 - A_d(2 beta) from q, and n keys realise that average only if some keys lie there. This is
// log of tilted_keys = n P(E <= 1 - A_d(2 beta)); the subcritical predictions need it >= 0 (at least one
// such key expected). Beyond, they fail without bound (d = 3, beta = 1e12, n = 1e6: ipr 1e6). For the local
// law it means lambda <~ a/2 (1/2 at d = 3); for nearly Gaussian scores (large d) 2 beta <~ sqrt(2 d log n).
double log_tilted_keys(int d, double beta, double n);

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
// Parses "ipr" | "w_max" | "entropy"; throws std::domain_error otherwise.
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
// is propagated through the slope. Throws std::domain_error for a target outside those ranges, and
// attnlim::InputError naming --target for one that is unreachable in practice: ipr or entropy beyond
// their values at the ends of the lambda range (the entropy target must lie in
// (E[H](kLambdaStarMax), E[H](kLambdaStarMin)) ~ (1.6e-300 a Gamma(2 - 1/a), a (1 + 690.8) + log Gamma(a+1))),
// a w_max target that needs more than kWmaxMaxPointsPerTrial points per trial, or one above 1 - 3/T
// (closer to 1 than T sampler trials resolve).
LambdaStar critical_lambda_star(double a, CriticalObservable observable, double target,
                                const CriticalSamplerOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Section 4: von Mises-Fisher keys and the backward heat equation.
// ---------------------------------------------------------------------------------------------

// Exact n -> infinity output for keys ~ vMF(mu, kappa): A_d(|z|) z / |z|, z = beta q + kappa mu.
std::vector<double> vmf_output(int d, double beta, const std::vector<double>& q, double kappa,
                               const std::vector<double>& mu);
// Heat-equation drift (1/beta) grad_S log rho(q) for vMF keys: kappa (mu - <mu,q> q) / beta.
std::vector<double> vmf_heat_drift(double beta, double kappa, const std::vector<double>& q,
                                   const std::vector<double>& mu);
// Growth factor of a degree-l spherical harmonic per step: 1 + l(l+d-2)/beta.
double harmonic_growth(int l, int d, double beta);

// ---------------------------------------------------------------------------------------------
// Section 5: the log n model.
// ---------------------------------------------------------------------------------------------

// Self weight 1 / (1 + (n-1) n^{-gamma (1-rho)}) of a token among n simplex tokens, beta = gamma log n.
double simplex_self_weight(double n, double gamma, double rho);
// gamma_c = 1 / (1 - rho).
double simplex_gamma_c(double rho);
// Random-energy-model selectivity scale sqrt(2 d log n).
double gaussian_score_scale(int d, double n);

}  // namespace attnlim::theory
