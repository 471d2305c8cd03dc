// Host hooks of SubsphereKeys (include/attnlim/keys/subsphere.hpp): uniform keys' theory at dimension m.
#include "attnlim/keys/subsphere.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/theory/distance.hpp"
#include "attnlim/theory/subcritical.hpp"

namespace attnlim {

SubsphereKeys SubsphereKeys::parse(KeyParams& params, int d) {
  SubsphereKeys model;
  model.d = d;
  const long long m = params.whole("m", 2, 1 << 30);
  if (m > d) throw InputError("keys", fmt::format("'{}': m = {} must not exceed d = {}", params.spec(), m, d));
  model.m = static_cast<int>(m);
  params.finish();
  return model;
}

std::string SubsphereKeys::describe() const { return fmt::format("subsphere:m={}", m); }

void SubsphereKeys::validate() const {
  if (m < 2 || m > d) throw InputError("keys", fmt::format("subsphere:m={} needs 2 <= m <= d = {}", m, d));
}

theory::LocalLaw SubsphereKeys::local_law() const { return theory::uniform_law(m); }

double SubsphereKeys::distance_log_cdf(double s) const { return theory::log_distance_cdf(m, s); }

double SubsphereKeys::log_mgf(double beta) const { return theory::log_M(m, beta); }

double SubsphereKeys::log_density_at_query() const { return m == d ? 0.0 : std::nan(""); }

double SubsphereKeys::log_density_gradient_e2() const { return m == d ? 0.0 : std::nan(""); }

LimitOutput SubsphereKeys::limit_output(double beta) const { return LimitOutput{theory::A_d(m, beta), 0.0}; }

std::optional<BetaDistance> SubsphereKeys::beta_distance() const {
  const double a = 0.5 * (m - 1);
  return BetaDistance{a, a, m - 1};
}

}  // namespace attnlim
