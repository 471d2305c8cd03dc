// The heat driver's results as JSON and as a table (drivers/heat.hpp).
#include <cmath>

#include <fmt/core.h>

#include "attnlim/drivers/heat.hpp"

namespace attnlim {

nlohmann::json to_json(const HeatResult& r) {
  const HeatConfig& c = r.config;
  nlohmann::json j;
  j["config"] = {{"d", c.d},         {"keys", r.keys},          {"betas", c.betas},
                 {"n", c.n},         {"trials", c.trials},      {"seed", c.seed},
                 {"nodes", c.nodes}, {"max_l", c.max_l},        {"growth_eps", c.growth_eps}};
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["seconds"] = r.seconds;
  const auto number = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  j["results"] = nlohmann::json::array();
  for (std::size_t b = 0; b < r.drift.size(); ++b) {
    const HeatDrift& d = r.drift[b];
    nlohmann::json entry = {{"beta", d.beta},
                            {"drift", {{"mean", d.mean}, {"stderr", d.stderr_}}},
                            {"predicted_drift_exact", number(d.exact)},
                            {"predicted_drift_first_order", number(d.first_order)}};
    entry["growth"] = nlohmann::json::array();
    for (const HeatGrowth& g : r.growth[b])
      entry["growth"].push_back({{"l", g.l},
                                 {"nodes", g.nodes},
                                 {"estimate", g.estimate},
                                 {"stderr", g.stderr_},
                                 {"predicted_exact", g.exact},
                                 {"predicted", g.first_order}});
    j["results"].push_back(entry);
  }
  j["exact_curve"] = {{"beta", r.exact_curve_beta}, {"drift", r.exact_curve_drift}};
  return j;
}

std::string to_table(const HeatResult& r) {
  const HeatConfig& c = r.config;
  std::string s = fmt::format("attnlim heat: d={} keys={} n={} trials={} backend={} ({}), {:.1f} s\n", c.d, r.keys, c.n,
                              c.trials, r.backend, r.device, r.seconds);
  s += "drift beta <T(q) - q, e_2> (mean ± standard error) against n = infinity and the first-order law "
       "<grad log rho(q), e_2>\n";
  s += fmt::format("{:>10} {:>24} {:>14} {:>14}\n", "beta", "measured", "n = infinity", "first order");
  for (const HeatDrift& d : r.drift)
    s += fmt::format("{:>10.5g} {:>24} {:>14.6g} {:>14.6g}\n", d.beta, fmt::format("{:.5g} ± {:.2g}", d.mean, d.stderr_),
                     d.exact, d.first_order);
  if (c.max_l > 0 && !r.growth.empty()) {
    s += fmt::format("growth of a degree-l harmonic per step (rho = 1 + {} P_l): measured, n = infinity, and the first "
                     "order 1 + l(l+d-2)/beta\n",
                     c.growth_eps);
    s += fmt::format("{:>10}", "beta");
    for (const HeatGrowth& g : r.growth.front())
      s += fmt::format(" {:>36}", fmt::format("l = {} ({} nodes)", g.l, g.nodes));
    s += "\n";
    for (std::size_t b = 0; b < r.growth.size(); ++b) {
      s += fmt::format("{:>10.5g}", r.drift[b].beta);
      for (const HeatGrowth& g : r.growth[b])
        s += fmt::format(" {:>36}", fmt::format("{:.4f} ± {:.2g} / {:.4f} / {:.4f}", g.estimate, g.stderr_, g.exact,
                                                g.first_order));
      s += "\n";
    }
  }
  return s;
}

}  // namespace attnlim
