// The log n model (THEORY.md sections 5, 9).
// Every function throws attnlim::InputError naming the argument (`d`, `beta`, `lambda`, ...) for a value
// outside its domain; the message also names the function.
#pragma once

namespace attnlim::theory {

// ---------------------------------------------------------------------------------------------
// Section 5: the log n model.
// ---------------------------------------------------------------------------------------------

// Self weight 1 / (1 + (n-1) n^{-gamma (1-rho)}) of a token among n simplex tokens, beta = gamma log n.
double simplex_self_weight(double n, double gamma, double rho);
// gamma_c = 1 / (1 - rho).
double simplex_gamma_c(double rho);
// Random-energy-model selectivity scale sqrt(2 d log n).
double gaussian_score_scale(int d, double n);

// ---------------------------------------------------------------------------------------------
// Section 9: one layer of self-attention, y_i <- normalize(sum_j w_ij y_j), beta = gamma log n.
// ---------------------------------------------------------------------------------------------

// The next layer's pairwise inner product of n simplex tokens (pairwise rho) after one layer with self weight p
// (r = (1-p)/(n-1) on every other token): <y_i'', y_k''> / |y_i''|^2 from THEORY.md section 9.
double simplex_next_rho_from_weight(double n, double p, double rho);
// The same with the simplex self weight at gamma: the closed form of one layer.
double simplex_next_rho(double n, double gamma, double rho);
// Annealed (Gaussian) self weight of random tokens around a simplex, y_i = sqrt(rho) u + sqrt(1-rho) z_i
// in d dimensions: 1 / (1 + (n-1) exp(-beta (1-rho) + beta^2 (1-rho)^2 / (2 (d-1)))).
double annealed_self_weight(double n, double gamma, double rho, int d);
// The gamma at which one layer's next rho is the midpoint (rho + 1)/2 between rho and collapse: for the
// simplex (closed form), and with the annealed self weight at finite d (its first crossing from below in
// gamma). As n -> infinity the simplex midpoint tends to gamma_c = 1/(1-rho) for rho > 0, and to gamma_c / 2 for
// rho = 0 (the shared sum S then has norm sqrt(n) only, so a self weight p ~ n^{-1/2} already halves the gap).
double simplex_midpoint_gamma(double n, double rho);
double annealed_midpoint_gamma(double n, double rho, int d);

}  // namespace attnlim::theory
