// von Mises-Fisher keys and the backward heat equation (THEORY.md section 4).
// Every function throws attnlim::InputError naming the argument (`d`, `beta`, `lambda`, ...) for a value
// outside its domain; the message also names the function.
#pragma once
#include <vector>

namespace attnlim::theory {

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

}  // namespace attnlim::theory
