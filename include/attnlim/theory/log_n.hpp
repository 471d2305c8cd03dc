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

}  // namespace attnlim::theory
