// Host hooks of VmfKeys (include/attnlim/keys/vmf.hpp).
#include "attnlim/keys/vmf.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/theory/local_law.hpp"
#include "attnlim/theory/subcritical.hpp"
#include "attnlim/theory/tilted.hpp"

namespace attnlim {

namespace {

// log of M_k(x) = E e^{x <e, K>} for K uniform on S^{k-1}; k = 1 is the two points +-1 (cosh).
double log_mgf_uniform(int k, double x) {
  if (k >= 2) return theory::log_M(k, x);
  return std::abs(x) + std::log1p(std::exp(-2.0 * std::abs(x))) - std::log(2.0);
}
}  // namespace

VmfKeys VmfKeys::parse(KeyParams& params, int d) {
  VmfKeys model;
  model.d = d;
  model.kappa = params.real("kappa");
  model.angle = params.real("angle", 0.0);
  params.finish();
  model.validate();
  model.prepare();
  return model;
}

void VmfKeys::prepare() {
  // Wood (1994): b = (d-1) / (2 kappa + sqrt(4 kappa^2 + (d-1)^2)) (the form without cancellation),
  // x0 = (1 - b)/(1 + b), c = kappa x0 + (d - 1) log(1 - x0^2) with 1 - x0^2 = 4b / (1 + b)^2.
  const double dm1 = d - 1.0;
  b = dm1 / (2.0 * kappa + std::sqrt(4.0 * kappa * kappa + dm1 * dm1));
  x0 = (1.0 - b) / (1.0 + b);
  one_minus_x0 = 2.0 * b / (1.0 + b);
  c = kappa * x0 + dm1 * std::log(4.0 * b / ((1.0 + b) * (1.0 + b)));
  // The axis in the frame; the exact values at 0 and pi so that symmetry is recognised.
  cos_angle = angle == 0.0 ? 1.0 : angle == kPi ? -1.0 : std::cos(angle);
  sin_angle = angle == 0.0 || angle == kPi ? 0.0 : std::sin(angle);
}

std::string VmfKeys::describe() const { return fmt::format("vmf:kappa={},angle={}", kappa, angle); }

void VmfKeys::validate() const {
  if (!(kappa >= 0.0) || !std::isfinite(kappa) || kappa > 1e12)
    throw InputError("keys", fmt::format("vmf needs 0 <= kappa <= 1e12 (got {})", kappa));
  if (!(angle >= 0.0 && angle <= kPi))
    throw InputError("keys", fmt::format("vmf needs 0 <= angle <= pi (radians from q to the mean direction; got {})", angle));
}

theory::LocalLaw VmfKeys::local_law() const {
  theory::LocalLaw law = theory::uniform_law(d);
  const double log_rho = log_density_at_query();
  law.log_c += log_rho;
  law.c = std::isfinite(law.c) ? law.c * std::exp(log_rho) : law.c;
  return law;
}

double VmfKeys::distance_log_cdf(double s) const {
  if (s >= 2.0) return 0.0;
  // P(E <= s) = E_unif[1{E <= s} rho(K)] with rho averaged over each circle E = e: K = (1 - e) q + sqrt(e(2-e)) t,
  // t uniform orthogonal to q, so <mu, K> = cos T (1 - e) + sin T sqrt(e (2 - e)) t_1 and the average of
  // e^{kappa <mu, K>} over t is e^{kappa cos T (1 - e)} M_{d-1}(kappa sin T sqrt(e (2 - e))). With e = 2u:
  const double a = 0.5 * (d - 1), log_norm = theory::log_M(d, kappa);
  return theory::beta_log_partial_mean(a, a, 0.5 * s, [&](double u) {
    const double e = 2.0 * u;
    return std::exp(kappa * cos_angle * (1.0 - e) - log_norm +
                    log_mgf_uniform(d - 1, kappa * sin_angle * 2.0 * std::sqrt(u * (1.0 - u))));
  });
}

double VmfKeys::log_mgf(double beta) const {
  const double r = std::sqrt(beta * beta + kappa * kappa + 2.0 * beta * kappa * cos_angle);
  return theory::log_M(d, r) - theory::log_M(d, kappa);
}

double VmfKeys::log_density_at_query() const { return kappa * cos_angle - theory::log_M(d, kappa); }

LimitOutput VmfKeys::limit_output(double beta) const {
  // E[e^{<z, K>} K] / E[e^{<z, K>}] for uniform K is A_d(|z|) z/|z|; the vMF density adds kappa mu to z = beta q.
  const double v1 = beta + kappa * cos_angle, v2 = kappa * sin_angle;
  const double r = std::hypot(v1, v2);
  if (r == 0.0) return LimitOutput{0.0, 0.0};
  const double scale = theory::A_d(d, r) / r;
  return LimitOutput{scale * v1, scale * v2};
}

}  // namespace attnlim
