// Subcritical predictions (THEORY.md section 3): the moment generating function of X = <q, K>, the Bessel
// ratio A_d, the delta-method variances and where they apply.
// Every function throws attnlim::InputError naming the argument (`d`, `beta`, `lambda`, ...) for a value
// outside its domain; the message also names the function.
#pragma once

namespace attnlim::theory {

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

}  // namespace attnlim::theory
