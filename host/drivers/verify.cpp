#include "attnlim/drivers/verify.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/drivers/grid.hpp"
#include "attnlim/drivers/simulate.hpp"
#include "attnlim/theory/critical.hpp"

namespace attnlim {

namespace {

// A distance-only run of n keys at the given critical lambdas (beta = lambda (n c)^{1/a'}).
SimulationResult run_at_lambdas(Engine& engine, const AnyKeyModel& model, std::uint64_t n, std::uint64_t trials,
                                std::uint64_t seed, const std::vector<double>& lambdas) {
  RunSpec spec;
  spec.keys = model;
  spec.n = KeyCount::exact(n);
  spec.top_k = 1;
  spec.seed = seed;
  spec.tier = SamplerTier::projected;
  BetaScale scale;
  scale.kind = BetaScale::critical;
  for (double l : lambdas) spec.betas.push_back(absolute_beta(scale, l, model, spec.n));
  return simulate(engine, spec, trials, scale, lambdas);
}

}  // namespace

nlohmann::json collapse_data(Engine& engine, const AnyKeyModel& model, const std::vector<std::uint64_t>& ns,
                             std::uint64_t trials, std::uint64_t seed) {
  const int d = dimension(model);
  const double a = local_law(model).a;
  std::vector<double> lambdas;
  for (int i = 0; i < 24; ++i) lambdas.push_back(0.05 * std::pow(400.0, i / 23.0));  // 0.05 .. 20
  nlohmann::json out = {{"d", d}, {"lambda", lambdas}, {"series", nlohmann::json::array()}};
  std::vector<double> ipr_limit, wmax_limit, wmax_limit_se;
  for (double l : lambdas) {
    ipr_limit.push_back(theory::critical_ipr(a, l));
    theory::CriticalSamplerOptions opt;
    opt.trials = 4000;
    const auto s = theory::sample_critical(a, l, opt);
    wmax_limit.push_back(s.w_max);
    wmax_limit_se.push_back(s.w_max_stderr);
  }
  out["limit"] = {{"ipr", ipr_limit}, {"w_max", wmax_limit}, {"w_max_stderr", wmax_limit_se}};
  for (auto n : ns) {
    const SimulationResult r = run_at_lambdas(engine, model, n, trials, point_seed(seed ^ 0xc011a95e, d, n), lambdas);
    nlohmann::json series = {{"n", n}};
    for (Observable obs : {Observable::w_max, Observable::ipr}) {
      std::vector<double> mean, se;
      for (std::size_t b = 0; b < lambdas.size(); ++b) {
        const Summary s = r.summary(static_cast<int>(b), obs);
        mean.push_back(s.moments.mean);
        se.push_back(s.moments.stderr_of_mean());
      }
      series[observable_name(obs)] = {{"mean", mean}, {"stderr", se}};
    }
    out["series"].push_back(series);
  }
  return out;
}

nlohmann::json histogram_data(Engine& engine, const AnyKeyModel& model, std::uint64_t n, double lambda,
                              std::uint64_t trials, std::uint64_t seed) {
  const int d = dimension(model);
  const SimulationResult r = run_at_lambdas(engine, model, n, trials, point_seed(seed ^ 0x4157, d, n), {lambda});
  std::vector<double> limit;
  const double a = local_law(model).a;
  for (std::uint32_t t = 0; t < 4 * trials; ++t) limit.push_back(theory::sample_critical_weights(a, lambda, seed, t, 1)[0]);
  return {{"d", d}, {"n", n}, {"lambda", lambda}, {"simulated", r.values[0][index_of(Observable::w_max)]},
          {"limit", limit}};
}

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
