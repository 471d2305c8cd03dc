// Host hooks of PowerKeys (include/attnlim/keys/power.hpp): E/2 ~ Beta(a', a), its tilted moments by quadrature.
#include "attnlim/keys/power.hpp"

#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/theory/distance.hpp"
#include "attnlim/theory/tilted.hpp"

namespace attnlim {

PowerKeys PowerKeys::parse(KeyParams& params, int d) {
  PowerKeys model;
  model.d = d;
  model.gamma = params.real("gamma");
  params.finish();
  model.validate();
  return model;
}

std::string PowerKeys::describe() const { return fmt::format("power:gamma={}", gamma); }

void PowerKeys::validate() const {
  if (!(gamma > -(d - 1.0)))
    throw InputError("keys", fmt::format("power:gamma={} needs gamma > -(d-1) = {} (an integrable density)", gamma,
                                         -(d - 1.0)));
}

theory::LocalLaw PowerKeys::local_law() const {
  theory::LocalLaw law = theory::power_density_law(d, gamma);
  if (law.log_c <= std::log(std::numeric_limits<double>::max())) law.c = std::exp(law.log_c);
  return law;
}

double PowerKeys::distance_log_cdf(double s) const { return theory::log_beta_cdf(a_local(), a(), 0.5 * s); }

double PowerKeys::log_mgf(double beta) const { return beta + theory::beta_log_laplace(a_local(), a(), 2.0 * beta); }

double PowerKeys::log_density_at_query() const {
  if (gamma == 0.0) return 0.0;
  return gamma > 0.0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

double PowerKeys::log_density_gradient_e2() const { return gamma == 0.0 || gamma > 1.0 ? 0.0 : std::nan(""); }

LimitOutput PowerKeys::limit_output(double beta) const {
  const double mean_u = theory::beta_tilted_mean(a_local(), a(), 2.0 * beta, [](double u) { return u; });
  return LimitOutput{1.0 - 2.0 * mean_u, 0.0};
}

std::optional<BetaDistance> PowerKeys::beta_distance() const {
  return BetaDistance{a_local(), a(), d - 1};
}

}  // namespace attnlim
