#include "attnlim/drivers/locality.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/keys/registry.hpp"

namespace attnlim {

std::vector<LocalityCase> locality_cases(int d) {
  return {
      {"uniform", "uniform", true},
      {"vMF centred away from q", "vmf:kappa=2,angle=1.5", true},
      {"90% in a far cluster", "mix:0.9*vmf:kappa=20,angle=2.5;0.1*uniform", true},
      {fmt::format("subsphere S^{}", d - 2), fmt::format("subsphere:m={}", d - 1), false},
      {"density ~ |x - q|^2", "power:gamma=2", false},
  };
}

std::vector<LocalityRow> run_locality(Engine& engine, const CriticalConfig& base, const std::vector<LocalityCase>& cases,
                                      const ProgressCallback& progress) {
  std::vector<LocalityRow> rows;
  double planned_total = 0, done_before = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) planned_total += planned_keys(base);
  for (const LocalityCase& c : cases) {
    CriticalConfig config = base;
    config.keys = c.keys;
    const AnyKeyModel model = parse_key_model(c.keys, base.d);
    config.sampler = supports_tier(model, SamplerTier::projected, nullptr) ? SamplerTier::projected : SamplerTier::full;
    const double planned = planned_keys(config);
    LocalityRow row;
    row.model = c;
    row.result = run_critical(engine, config, [&](const ProgressUpdate& u) {
      if (progress)
        progress(ProgressUpdate{"locality " + c.label + ": " + u.what, done_before + u.done,
                                planned_total + (u.total - planned), u.unit});
    });
    done_before += row.result.keys_run;
    planned_total += row.result.keys_run - planned;
    const theory::LocalLaw law = local_law(model);
    row.local_exponent = law.a;
    row.log_local_constant = law.log_c;
    const CriticalResult& r = row.result;
    row.exponent_covered = r.fit.slope_ci_low <= r.predicted_exponent && r.predicted_exponent <= r.fit.slope_ci_high;
    row.prefactor_covered =
        r.fixed_prefactor_ci_low <= r.predicted_prefactor && r.predicted_prefactor <= r.fixed_prefactor_ci_high;
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json locality_json(const std::vector<LocalityRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const LocalityRow& row : rows) {
    const CriticalResult& r = row.result;
    out.push_back({{"label", row.model.label},
                   {"keys", r.keys},
                   {"d", r.config.d},
                   {"same_exponent_as_uniform", row.model.same_exponent},
                   {"local_exponent", row.local_exponent},
                   {"log_local_constant", row.log_local_constant},
                   {"predicted_exponent", r.predicted_exponent},
                   {"uniform_exponent", 2.0 / (r.config.d - 1)},
                   {"exponent", {{"estimate", r.fit.slope}, {"ci_low", r.fit.slope_ci_low}, {"ci_high", r.fit.slope_ci_high}}},
                   {"exponent_covered", row.exponent_covered},
                   {"predicted_prefactor", r.predicted_prefactor},
                   {"prefactor_at_predicted_exponent",
                    {{"estimate", r.fixed_prefactor}, {"ci_low", r.fixed_prefactor_ci_low}, {"ci_high", r.fixed_prefactor_ci_high}}},
                   {"prefactor_covered", row.prefactor_covered},
                   {"regime", r.regime},
                   {"points", to_json(r)["points"]}});
  }
  return out;
}

std::string locality_table(const std::vector<LocalityRow>& rows) {
  std::string s = fmt::format("{:<24} {:<46} {:>7} {:>26} {:>8} {:>30}\n", "keys", "spec", "1/a'",
                              "measured exponent [95% CI]", "covers", "prefactor meas/pred [95% CI]");
  for (const LocalityRow& row : rows) {
    const CriticalResult& r = row.result;
    const double p = r.predicted_prefactor;
    s += fmt::format("{:<24} {:<46} {:>7.4f} {:>26} {:>8} {:>30}\n", row.model.label, r.keys, r.predicted_exponent,
                     fmt::format("{:.4f} [{:.4f}, {:.4f}]", r.fit.slope, r.fit.slope_ci_low, r.fit.slope_ci_high),
                     row.exponent_covered ? "yes" : "NO",
                     fmt::format("{:.3f} [{:.3f}, {:.3f}]{}", r.fixed_prefactor / p, r.fixed_prefactor_ci_low / p,
                                 r.fixed_prefactor_ci_high / p, row.prefactor_covered ? "" : " (not covered)"));
  }
  return s;
}

}  // namespace attnlim
