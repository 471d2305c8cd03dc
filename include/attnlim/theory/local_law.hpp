// Local laws of the distance E = 1 - <q, K> near the query and the critical scale (THEORY.md sections 2, 7).
// Every function throws attnlim::InputError naming the argument (`d`, `beta`, `lambda`, ...) for a value
// outside its domain; the message also names the function.
#pragma once
#include <cstdint>
#include <limits>

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
  // c itself where it is representable, computed directly (exact to an ulp where exp(log_c) loses a few);
  // NaN where it overflows a double (use log_c).
  double c = std::numeric_limits<double>::quiet_NaN();
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
// The same from log n, for n beyond any double (the order-statistics engine's n = 1e5000).
double critical_scale_log(const LocalLaw& law, double log_n);
// beta = lambda (n c)^{1/a}.
double critical_beta(const LocalLaw& law, double n, double lambda);
double critical_beta(int d, double n, double lambda);

}  // namespace attnlim::theory
