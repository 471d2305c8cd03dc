// The exact law of the distance of a uniform key (THEORY.md section 1): P(E <= s) = I_{s/2}(a, a).
// Every function throws attnlim::InputError naming the argument (`d`, `beta`, `lambda`, ...) for a value
// outside its domain; the message also names the function.
#pragma once

namespace attnlim::theory {

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

// log I_x(p, q), the Beta(p, q) CDF at x, finite below the smallest double (a log-space series where I_x
// underflows): the distance law of keys whose E/2 is Beta(p, q) (uniform: p = q = a; power: p = a + gamma/2).
double log_beta_cdf(double p, double q, double x);
// The same from log x (x = E/2 <= 1), for x below the smallest double (the order-statistics engine at n = 1e5000).
double log_beta_cdf_log(double p, double q, double log_x);
// log of the Beta(p, q) density at x, from log x.
double log_beta_density_log(double p, double q, double log_x);
// log x with log I_x(p, q) = log_w (log_w <= 0; works far below log(1e-300), where x itself may underflow).
double log_beta_quantile_log(double p, double q, double log_w);

}  // namespace attnlim::theory
