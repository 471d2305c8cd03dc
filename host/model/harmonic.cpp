// Host hooks of HarmonicKeys (include/attnlim/keys/harmonic.hpp).
//
// The n = infinity output. The moment generating function of K under rho = 1 + eps P_l(<mu, .>) is, by the
// Funk-Hecke formula (P_l(<mu, .>) is a zonal harmonic, so its average against any f(<z, K>) is
// P_l(<mu, z/|z|>) times that of P_l(<e, K>)),
//   M(z) = M_d(r) + eps P_l(<mu, z/r>) G_l(r),   r = |z|,   G_l(r) = E_unif[e^{r X} P_l(X)],
// and O = grad log M at z = beta q. With g0 = G_l(beta)/M_d(beta) = E_t[P_l(X)], g1 = G_l'(beta)/M_d(beta)
// = E_t[X P_l(X)] (E_t: uniform X = <q, K> tilted by e^{beta X}, one-dimensional) and D = 1 + eps P_l(cos T) g0:
//   O_e1 = (A_d(beta) + eps P_l(cos T) g1) / D,   O_e2 = eps P_l'(cos T) sin T g0 / (beta D).
#include "attnlim/keys/harmonic.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/theory/distance.hpp"
#include "attnlim/theory/local_law.hpp"
#include "attnlim/theory/subcritical.hpp"
#include "attnlim/theory/tilted.hpp"

namespace attnlim {

HarmonicKeys HarmonicKeys::parse(KeyParams& params, int d) {
  HarmonicKeys model;
  model.d = d;
  model.l = static_cast<int>(params.whole("l", 1, 1000));  // degree 0 would be uniform keys
  model.eps = params.real("eps");
  model.angle = params.real("angle", 0.0);
  params.finish();
  model.prepare();
  model.validate();
  return model;
}

void HarmonicKeys::prepare() {
  cos_angle = angle == 0.0 ? 1.0 : angle == kPi ? -1.0 : std::cos(angle);
  sin_angle = angle == 0.0 || angle == kPi ? 0.0 : std::sin(angle);
}

std::string HarmonicKeys::describe() const { return fmt::format("harmonic:l={},eps={},angle={}", l, eps, angle); }

double HarmonicKeys::rho_at_query() const { return 1.0 + eps * gegenbauer_normalized(l, d, cos_angle); }

void HarmonicKeys::validate() const {
  if (!(std::fabs(eps) <= 1.0)) throw InputError("keys", fmt::format("harmonic needs |eps| <= 1 (got {})", eps));
  if (!(angle >= 0.0 && angle <= kPi))
    throw InputError("keys", fmt::format("harmonic needs 0 <= angle <= pi (got {})", angle));
  if (!(rho_at_query() > 1e-12))
    throw InputError("keys", fmt::format("harmonic:l={},eps={},angle={} has density 1 + eps P_l(cos T) = {:.3g} at q: "
                                         "where it vanishes the local law has another exponent (not modelled)",
                                         l, eps, angle, rho_at_query()));
}

theory::LocalLaw HarmonicKeys::local_law() const {
  theory::LocalLaw law = theory::uniform_law(d);
  law.log_c += std::log(rho_at_query());
  law.c = std::isfinite(law.c) ? law.c * rho_at_query() : law.c;
  return law;
}

double HarmonicKeys::distance_log_cdf(double s) const {
  if (s >= 2.0) return 0.0;
  // The average of P_l(<mu, K>) over the circle E = e is P_l(cos T) P_l(1 - e) (addition theorem).
  const double a = 0.5 * (d - 1), p_mu = gegenbauer_normalized(l, d, cos_angle);
  return theory::beta_log_partial_mean(a, a, 0.5 * s, [&](double u) {
    return std::max(0.0, 1.0 + eps * p_mu * gegenbauer_normalized(l, d, 1.0 - 2.0 * u));
  });
}

namespace {
// E_t[g(X)] for uniform X = <q, K> = 1 - 2u, u ~ Beta(a, a), tilted by e^{beta X}.
double tilted_uniform_mean(int d, double beta, const std::function<double(double)>& g) {
  const double a = 0.5 * (d - 1);
  return theory::beta_tilted_mean(a, a, 2.0 * beta, [&](double u) { return g(1.0 - 2.0 * u); });
}
}  // namespace

double HarmonicKeys::log_mgf(double beta) const {
  const double g0 = tilted_uniform_mean(d, beta, [&](double x) { return gegenbauer_normalized(l, d, x); });
  return theory::log_M(d, beta) + std::log(1.0 + eps * gegenbauer_normalized(l, d, cos_angle) * g0);
}

double HarmonicKeys::log_density_gradient_e2() const {
  return eps * gegenbauer_normalized_derivative(l, d, cos_angle) * sin_angle / rho_at_query();
}

LimitOutput HarmonicKeys::limit_output(double beta) const {
  const double p_mu = gegenbauer_normalized(l, d, cos_angle);
  const double dp_mu = gegenbauer_normalized_derivative(l, d, cos_angle);
  if (beta == 0.0) {  // E[K] = eps E_unif[X P_l(X)] mu, and E_unif[X P_l(X)] = 1/d for l = 1, else 0
    const double m1 = l == 1 ? 1.0 / d : 0.0;
    return LimitOutput{eps * m1 * cos_angle, eps * m1 * sin_angle};
  }
  const double g0 = tilted_uniform_mean(d, beta, [&](double x) { return gegenbauer_normalized(l, d, x); });
  const double g1 = tilted_uniform_mean(d, beta, [&](double x) { return x * gegenbauer_normalized(l, d, x); });
  const double denominator = 1.0 + eps * p_mu * g0;
  return LimitOutput{(theory::A_d(d, beta) + eps * p_mu * g1) / denominator,
                     eps * dp_mu * sin_angle * g0 / (beta * denominator)};
}

}  // namespace attnlim
