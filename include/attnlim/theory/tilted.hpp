// Expectations over u ~ Beta(p, q) on [0, 1] tilted by e^{-t u}, by quadrature (Boost.Math): the n = infinity
// output and the moment generating function of every key model whose distance E = 2u has a Beta law
// (uniform: p = q = a = (d-1)/2; power density: p = a + gamma/2, q = a) or is a tilt of one (harmonic,
// vMF), and partial expectations over a cap E <= s (distance laws of the non-uniform models).
// Every function throws attnlim::InputError naming the argument for a value outside its domain.
#pragma once
#include <functional>

namespace attnlim::theory {

// log E[e^{-t u}], t >= 0 (any size: carried in logs).
double beta_log_laplace(double p, double q, double t);

// E[g(u) e^{-t u}] / E[e^{-t u}] for a bounded g, t >= 0: the mean of g under the tilted law.
double beta_tilted_mean(double p, double q, double t, const std::function<double(double)>& g);

// log E[g(u) 1{u <= x}] for a bounded g > 0 on [0, x], 0 < x <= 1: relative accuracy ~1e-10 however small
// the cap (the integral is taken in w = u / x with x^p in logs).
double beta_log_partial_mean(double p, double q, double x, const std::function<double(double)>& g);

}  // namespace attnlim::theory
