// Host hooks of UniformKeys (include/attnlim/keys/uniform.hpp).
#include "attnlim/keys/uniform.hpp"

#include "attnlim/theory/distance.hpp"
#include "attnlim/theory/subcritical.hpp"

namespace attnlim {

UniformKeys UniformKeys::parse(KeyParams& params, int d) {
  params.finish();  // no parameters
  return UniformKeys{d};
}

std::string UniformKeys::describe() const { return kName; }

void UniformKeys::validate() const {}

theory::LocalLaw UniformKeys::local_law() const { return theory::uniform_law(d); }

double UniformKeys::distance_log_cdf(double s) const { return theory::log_distance_cdf(d, s); }

double UniformKeys::log_mgf(double beta) const { return theory::log_M(d, beta); }

LimitOutput UniformKeys::limit_output(double beta) const { return LimitOutput{theory::A_d(d, beta), 0.0}; }

std::optional<BetaDistance> UniformKeys::beta_distance() const {
  const double a = 0.5 * (d - 1);
  return BetaDistance{a, a, d - 1};
}

}  // namespace attnlim
