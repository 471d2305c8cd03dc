#include "attnlim/drivers/heat.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <boost/math/quadrature/gauss.hpp>
#include <fmt/core.h>

#include "attnlim/analysis/statistics.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/simulate.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/theory/tilted.hpp"

namespace attnlim {

namespace {

constexpr double kPi = 3.14159265358979323846;

// <T(q) - q, e_2> = o_e2 / |O| of each trial at beta number b.
std::vector<double> step_along_e2(const SimulationResult& r, int b) {
  const auto& e1 = r.values[b][index_of(Observable::o_e1)];
  const auto& e2 = r.values[b][index_of(Observable::o_e2)];
  const auto& rest = r.values[b][index_of(Observable::o_rest)];
  std::vector<double> out(e1.size());
  for (std::size_t t = 0; t < e1.size(); ++t) out[t] = e2[t] / std::sqrt(e1[t] * e1[t] + e2[t] * e2[t] + rest[t] * rest[t]);
  return out;
}

RunSpec heat_spec(const HeatConfig& c, const AnyKeyModel& model, std::uint64_t seed) {
  RunSpec spec;
  spec.keys = model;
  spec.tier = SamplerTier::full;
  spec.output_vector = true;
  spec.betas = c.betas;
  spec.top_k = 1;
  spec.seed = seed;
  spec.n = KeyCount::exact(c.n);
  return spec;
}

// The Gauss-Legendre rule of `points` nodes on [-1, 1] (Boost.Math's tables: 8, 12, 16 or 20 points).
template <int N>
void gauss_rule(std::vector<double>& nodes, std::vector<double>& weights) {
  using Rule = boost::math::quadrature::gauss<double, N>;
  const auto& x = Rule::abscissa();
  const auto& w = Rule::weights();
  for (std::size_t i = 0; i < x.size(); ++i) {
    nodes.push_back(x[i]);
    weights.push_back(w[i]);
    if (x[i] != 0.0) {
      nodes.push_back(-x[i]);
      weights.push_back(w[i]);
    }
  }
}
void gauss_legendre(int points, std::vector<double>& nodes, std::vector<double>& weights) {
  switch (points) {
    case 8: return gauss_rule<8>(nodes, weights);
    case 12: return gauss_rule<12>(nodes, weights);
    case 16: return gauss_rule<16>(nodes, weights);
    default: return gauss_rule<20>(nodes, weights);
  }
}

// beta <T(q) - q, e_2> at n = infinity from the model's limit output.
double exact_drift(const AnyKeyModel& model, double beta) {
  const LimitOutput o = limit_output(model, beta);
  return beta * o.e2 / std::hypot(o.e1, o.e2);
}

}  // namespace

void validate(const HeatConfig& c) {
  if (c.d < 2 || c.d > kMaxDimension) throw InputError("d", fmt::format("must be between 2 and {} (got {})", kMaxDimension, c.d));
  parse_key_model(c.keys, c.d);
  if (c.betas.empty()) throw InputError("beta", "the list is empty");
  if (c.betas.size() > static_cast<std::size_t>(kMaxBetas))
    throw InputError("beta", fmt::format("at most {} values (got {})", kMaxBetas, c.betas.size()));
  for (double b : c.betas)
    if (!(b > 0) || !std::isfinite(b)) throw InputError("beta", fmt::format("every value must be finite and > 0 (got {})", b));
  if (c.n < 2 || c.n > kMaxKeys) throw InputError("n", fmt::format("must be between 2 and {} (got {})", kMaxKeys, c.n));
  if (c.trials < 2 || c.trials > kMaxTrials)
    throw InputError("trials", fmt::format("at least 2 are needed for a standard error (got {})", c.trials));
  if (c.nodes != 8 && c.nodes != 12 && c.nodes != 16 && c.nodes != 20)
    throw InputError("nodes", fmt::format("must be 8, 12, 16 or 20 (got {})", c.nodes));
  if (c.max_l < 0 || c.max_l > 16) throw InputError("max_l", fmt::format("must be between 0 and 16 (got {})", c.max_l));
  if (!(std::fabs(c.growth_eps) > 0 && std::fabs(c.growth_eps) <= 1))
    throw InputError("growth_eps", fmt::format("must be in [-1, 1] and not 0 (got {})", c.growth_eps));
}

HeatResult run_heat(Engine& engine, const HeatConfig& c, const ProgressCallback& progress) {
  validate(c);
  const auto start = std::chrono::steady_clock::now();
  HeatResult r;
  r.config = c;
  const AnyKeyModel model = parse_key_model(c.keys, c.d);
  r.keys = describe(model);
  r.backend = engine.name();
  r.device = engine.device();
  const int nb = static_cast<int>(c.betas.size());
  const double runs = 1.0 + static_cast<double>(c.max_l) * c.nodes;  // simulate calls of n x trials keys
  const double keys_per_run = static_cast<double>(c.n) * static_cast<double>(c.trials);
  double done_runs = 0;
  const auto run_progress = [&](const std::string& what) -> ProgressCallback {
    if (!progress) return {};
    return [&, what](const ProgressUpdate& u) {
      progress(ProgressUpdate{"heat " + what, done_runs * keys_per_run + u.done, runs * keys_per_run, "keys"});
    };
  };

  // The drift of --keys.
  {
    const SimulationResult sim =
        simulate(engine, heat_spec(c, model, c.seed), c.trials, BetaScale{}, c.betas, run_progress("drift " + r.keys));
    done_runs += 1;
    const double first = first_order_drift(model);
    for (int b = 0; b < nb; ++b) {
      Moments m;
      for (double step : step_along_e2(sim, b)) m.add(c.betas[b] * step);
      r.drift.push_back(HeatDrift{c.betas[b], m.mean, m.stderr_of_mean(), exact_drift(model, c.betas[b]), first});
    }
    const double lo = *std::min_element(c.betas.begin(), c.betas.end()) / 2;
    const double hi = *std::max_element(c.betas.begin(), c.betas.end()) * 2;
    for (int i = 0; i <= 60; ++i) {
      const double beta = lo * std::pow(hi / lo, i / 60.0);
      r.exact_curve_beta.push_back(beta);
      r.exact_curve_drift.push_back(exact_drift(model, beta));
    }
  }

  // The growth of degree l = 1 .. max_l: Gauss-Legendre in theta over (0, pi), Boost's rule.
  r.growth.assign(nb, {});
  std::vector<double> nodes, weights;
  gauss_legendre(c.nodes, nodes, weights);
  const double a = 0.5 * (c.d - 1);
  for (int l = 1; l <= c.max_l; ++l) {
    // |P_l|^2 = E_unif[P_l(X)^2], X = 1 - 2u, u ~ Beta(a, a).
    const double norm_sq = theory::beta_tilted_mean(a, a, 0.0, [&](double u) {
      const double p = gegenbauer_normalized(l, c.d, 1.0 - 2.0 * u);
      return p * p;
    });
    std::vector<double> sum(nb, 0.0), var(nb, 0.0);
    double total_weight = 0.0;
    for (int k = 0; k < c.nodes; ++k) {
      const double theta = 0.5 * kPi * (nodes[k] + 1.0);
      const double density = 1.0 + c.growth_eps * gegenbauer_normalized(l, c.d, std::cos(theta));
      const double w = 0.5 * kPi * weights[k] * density * std::pow(std::sin(theta), c.d - 2);
      total_weight += w;
      const std::string spec = fmt::format("harmonic:l={},eps={},angle={:.17g}", l, c.growth_eps, theta);
      const AnyKeyModel node_model = parse_key_model(spec, c.d);
      const SimulationResult sim =
          simulate(engine, heat_spec(c, node_model, c.seed ^ (0x9e3779b97f4a7c15ULL * (100 * l + k + 1))), c.trials,
                   BetaScale{}, c.betas, run_progress(fmt::format("growth l={} node {}/{}", l, k + 1, c.nodes)));
      done_runs += 1;
      const double h = gegenbauer_normalized_derivative(l, c.d, std::cos(theta)) * std::sin(theta);
      for (int b = 0; b < nb; ++b) {
        Moments m;
        for (double step : step_along_e2(sim, b)) m.add(step);
        sum[b] += w * h * m.mean;
        var[b] += (w * h) * (w * h) * m.variance() / static_cast<double>(m.count);
      }
    }
    for (int b = 0; b < nb; ++b) {
      const double scale = 1.0 / (total_weight * c.growth_eps * norm_sq);
      r.growth[b].push_back(HeatGrowth{l, c.betas[b], 1.0 + sum[b] * scale, std::sqrt(var[b]) * std::fabs(scale),
                                       1.0 + l * (l + c.d - 2.0) / c.betas[b]});
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

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
      entry["growth"].push_back({{"l", g.l}, {"estimate", g.estimate}, {"stderr", g.stderr_}, {"predicted", g.predicted}});
    j["results"].push_back(entry);
  }
  j["exact_curve"] = {{"beta", r.exact_curve_beta}, {"drift", r.exact_curve_drift}};
  return j;
}

std::string to_table(const HeatResult& r) {
  const HeatConfig& c = r.config;
  std::string s = fmt::format("attnlim heat: d={} keys={} n={} trials={} backend={} ({}), {:.1f} s\n", c.d, r.keys, c.n,
                              c.trials, r.backend, r.device, r.seconds);
  s += "drift beta <T(q) - q, e_2> (mean ± standard error) against n = infinity and the first-order law <grad log rho(q), e_2>\n";
  s += fmt::format("{:>10} {:>24} {:>14} {:>14}\n", "beta", "measured", "n = infinity", "first order");
  for (const HeatDrift& d : r.drift)
    s += fmt::format("{:>10.5g} {:>24} {:>14.6g} {:>14.6g}\n", d.beta, fmt::format("{:.5g} ± {:.2g}", d.mean, d.stderr_),
                     d.exact, d.first_order);
  if (c.max_l > 0) {
    s += fmt::format("growth of a degree-l harmonic per step (rho = 1 + {} P_l), against 1 + l(l+d-2)/beta\n", c.growth_eps);
    s += fmt::format("{:>10}", "beta");
    for (int l = 1; l <= c.max_l; ++l) s += fmt::format(" {:>28}", fmt::format("l = {}: measured / predicted", l));
    s += "\n";
    for (std::size_t b = 0; b < r.growth.size(); ++b) {
      s += fmt::format("{:>10.5g}", r.drift[b].beta);
      for (const HeatGrowth& g : r.growth[b])
        s += fmt::format(" {:>28}", fmt::format("{:.4f} ± {:.2g} / {:.4f}", g.estimate, g.stderr_, g.predicted));
      s += "\n";
    }
  }
  return s;
}

}  // namespace attnlim
