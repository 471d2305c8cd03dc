// von Mises-Fisher keys and the backward heat equation (THEORY.md section 4).
#include "attnlim/theory/heat.hpp"

#include <cmath>
#include <string>

#include "attnlim/theory/subcritical.hpp"
#include "common.hpp"

namespace attnlim::theory {

using detail::log_beta;
using detail::refuse;
using detail::require_dimension;

namespace {
double dot(const std::vector<double>& u, const std::vector<double>& v) {
  double s = 0.0;
  for (std::size_t i = 0; i < u.size(); ++i) s += u[i] * v[i];
  return s;
}
void require_same_size(const std::vector<double>& q, const std::vector<double>& mu, const char* what) {
  if (q.empty() || q.size() != mu.size())
    refuse("mu", "q and mu must be non-empty vectors of the same length", what);
}
}  // namespace

std::vector<double> vmf_output(int d, double beta, const std::vector<double>& q, double kappa,
                               const std::vector<double>& mu) {
  require_same_size(q, mu, "vmf_output");
  if (static_cast<int>(q.size()) != d) refuse("q", fmt::format("q and mu must have d = {} components (got {})", d, q.size()), "vmf_output");
  if (!(beta >= 0)) refuse("beta", fmt::format("must be >= 0 (got {})", beta), "vmf_output");
  if (!(kappa >= 0)) refuse("kappa", fmt::format("must be >= 0 (got {})", kappa), "vmf_output");
  // E[e^{<z, K>} K] / E[e^{<z, K>}] for uniform K is A_d(|z|) z/|z|; the vMF density only adds
  // kappa mu to the tilt z = beta q.
  std::vector<double> z(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) z[i] = beta * q[i] + kappa * mu[i];
  const double norm = std::sqrt(dot(z, z));
  if (norm == 0.0) return std::vector<double>(q.size(), 0.0);
  const double scale = A_d(d, norm) / norm;
  for (double& zi : z) zi *= scale;
  return z;
}

std::vector<double> vmf_heat_drift(double beta, double kappa, const std::vector<double>& q,
                                   const std::vector<double>& mu) {
  require_same_size(q, mu, "vmf_heat_drift");
  if (!(beta > 0)) refuse("beta", fmt::format("must be > 0 (got {})", beta), "vmf_heat_drift");
  // grad_S log rho = kappa times the tangential part of mu at q.
  const double along = dot(mu, q);
  std::vector<double> drift(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) drift[i] = kappa * (mu[i] - along * q[i]) / beta;
  return drift;
}

double harmonic_growth(int l, int d, double beta) {
  require_dimension(d, "harmonic_growth");
  if (l < 0) refuse("l", fmt::format("degree must be >= 0 (got {})", l), "harmonic_growth");
  if (!(beta > 0)) refuse("beta", fmt::format("must be > 0 (got {})", beta), "harmonic_growth");
  return 1.0 + static_cast<double>(l) * (l + d - 2.0) / beta;
}

}  // namespace attnlim::theory
