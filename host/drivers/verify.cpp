#include "attnlim/drivers/verify.hpp"

#include <cmath>

#include <fmt/core.h>


namespace attnlim {

nlohmann::json verify_summary_entry(const CriticalResult& r) {
  const nlohmann::json j = to_json(r);
  return {{"d", r.config.d},
          {"keys", r.keys},
          {"predicted_exponent", r.predicted_exponent},
          {"exponent", j["exponent"]},
          {"prefactor", j["prefactor"]},
          {"predicted_prefactor", r.predicted_prefactor},
          {"prefactor_ratio", std::exp(r.fit.intercept) / r.predicted_prefactor},
          {"prefactor_at_predicted_exponent", j["prefactor_at_predicted_exponent"]},
          {"regime", r.regime},
          {"seconds", r.seconds}};
}

std::string verify_table_header() {
  return fmt::format("{:>3} {:>10} {:>28} {:>8} {:>30} {:>30} {:>15}\n", "d", "predicted", "measured exponent [95% CI]",
                     "rel.err", "prefactor meas/pred [95% CI]", "at pred. exponent [95% CI]", "regime");
}

std::string verify_table_row(const CriticalResult& r) {
  const double ratio = std::exp(r.fit.intercept) / r.predicted_prefactor;
  const double p = r.predicted_prefactor;
  return fmt::format("{:>3} {:>10.4f} {:>28} {:>7.1f}% {:>30} {:>30} {:>15}\n", r.config.d, r.predicted_exponent,
                     fmt::format("{:.4f} [{:.4f}, {:.4f}]", r.fit.slope, r.fit.slope_ci_low, r.fit.slope_ci_high),
                     100 * (r.fit.slope / r.predicted_exponent - 1),
                     fmt::format("{:.3f} [{:.3f}, {:.3f}]", ratio, std::exp(r.fit.intercept_ci_low) / p,
                                 std::exp(r.fit.intercept_ci_high) / p),
                     fmt::format("{:.3f} [{:.3f}, {:.3f}]", r.fixed_prefactor / p, r.fixed_prefactor_ci_low / p,
                                 r.fixed_prefactor_ci_high / p),
                     r.regime);
}

}  // namespace attnlim
