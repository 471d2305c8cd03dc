// The heat driver (drivers/heat.hpp): the drift of T(q) and the growth of harmonics, measured and predicted.
#include "attnlim/drivers/heat.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <boost/math/special_functions/binomial.hpp>
#include <boost/math/special_functions/legendre.hpp>
#include <fmt/core.h>

#include "attnlim/analysis/statistics.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/simulate.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/theory/heat.hpp"

namespace attnlim {

namespace {

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

// beta <T(q) - q, e_2> at n = infinity from the model's limit output.
double exact_drift(const AnyKeyModel& model, double beta) {
  const LimitOutput o = limit_output(model, beta);
  return beta * o.e2 / std::hypot(o.e1, o.e2);
}

// The density 1 + eps P_l(<mu, x>) seen from a query at angle theta from mu.
std::string node_spec(int l, double eps, double theta) {
  return fmt::format("harmonic:l={},eps={:.17g},angle={:.17g}", l, eps, theta);
}

// The Gauss-Legendre rule of `points` nodes over theta in (0, pi) (Boost.Math's Legendre zeros, weights
// 2 / ((1 - x^2) P_N'(x)^2)), turned into the growth rule for degree l.
GrowthRule rule_with(int d, int l, double eps, int points) {
  GrowthRule r;
  r.l = l;
  r.nodes = points;
  std::vector<double> x, log_w;
  for (double z : boost::math::legendre_p_zeros<double>(points)) {
    const double dp = boost::math::legendre_p_prime(points, z);
    const double lw = std::log(2.0 / ((1.0 - z * z) * dp * dp));
    x.push_back(z), log_w.push_back(lw);
    if (z != 0.0) x.push_back(-z), log_w.push_back(lw);
  }
  double top = -INFINITY;
  std::vector<double> rho_at;  // 1 + eps P_l(cos theta_k)
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double theta = 0.5 * kPi * (x[k] + 1.0);
    const double c = std::cos(theta);
    const double rho = 1.0 + eps * gegenbauer_normalized(l, d, c);
    rho_at.push_back(rho);
    r.theta.push_back(theta);
    r.h.push_back(gegenbauer_normalized_derivative(l, d, c) * std::sin(theta));
    // log of the Gauss weight times rho sin^{d-2} (in logs: sin^{d-2} underflows for large d)
    r.weight.push_back(log_w[k] + std::log(rho) + (d - 2.0) * std::log(std::sin(theta)));
    top = std::max(top, r.weight.back());
  }
  double total = 0.0;
  for (double& w : r.weight) total += (w = std::exp(w - top));
  for (double& w : r.weight) w /= total;
  const double dim = (2.0 * l + d - 2.0) / (l + d - 2.0) *
                     boost::math::binomial_coefficient<double>(static_cast<unsigned>(l + d - 2), static_cast<unsigned>(l));
  r.scale = dim / eps;  // 1 / (eps |P_l|^2), |P_l|^2 = 1 / dim H_l
  // First order in 1/beta the step is <grad_S log rho, e_2> / beta = eps P_l' sin theta / (rho beta): the rule's
  // growth - 1 times beta must be l(l+d-2).
  double first = 0.0;
  for (std::size_t k = 0; k < r.theta.size(); ++k) first += r.weight[k] * r.h[k] * eps * r.h[k] / rho_at[k];
  r.first_order_error = std::fabs(first * r.scale / (l * (l + d - 2.0)) - 1.0);
  return r;
}

}  // namespace

GrowthRule growth_rule(int d, int l, double eps, int nodes) {
  if (nodes > 0) {
    GrowthRule r = rule_with(d, l, eps, nodes);
    if (!(r.first_order_error <= kHeatRuleTolerance)) {
      int enough = nodes + 1;
      while (enough <= kMaxHeatNodes && !(rule_with(d, l, eps, enough).first_order_error <= kHeatRuleTolerance)) ++enough;
      throw InputError("nodes",
                       fmt::format("{} nodes integrate the degree-{} growth at d = {} with relative error {:.2g} "
                                   "(the limit is {:g}); {}, or 0 to choose automatically",
                                   nodes, l, d, r.first_order_error, kHeatRuleTolerance,
                                   enough <= kMaxHeatNodes ? fmt::format("use at least {}", enough)
                                                           : fmt::format("even {} are not enough", kMaxHeatNodes)));
    }
    return r;
  }
  for (int points = l + 2; points <= kMaxHeatNodes; ++points) {
    GrowthRule r = rule_with(d, l, eps, points);
    if (r.first_order_error <= kHeatRuleTolerance) return r;
  }
  throw InputError("max_l", fmt::format("the degree-{} growth at d = {} needs more than {} quadrature nodes (one run "
                                        "each); lower it",
                                        l, d, kMaxHeatNodes));
}

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
    throw InputError("trials", fmt::format("must be between 2 (for a standard error) and {} (got {})", kMaxTrials, c.trials));
  if (c.nodes < 0 || c.nodes > kMaxHeatNodes)
    throw InputError("nodes", fmt::format("must be between 0 (automatic) and {} (got {})", kMaxHeatNodes, c.nodes));
  if (c.max_l < 0 || c.max_l > kMaxHeatDegree)
    throw InputError("max_l", fmt::format("must be between 0 and {} (got {})", kMaxHeatDegree, c.max_l));
  if (!(std::fabs(c.growth_eps) > 0 && std::fabs(c.growth_eps) < 1))
    throw InputError("growth_eps", fmt::format("must be in (-1, 1) and not 0: 1 + eps P_l must stay positive (got {})",
                                               c.growth_eps));
  // Every node's key model, before anything runs.
  for (int l = 1; l <= c.max_l; ++l) {
    const GrowthRule rule = growth_rule(c.d, l, c.growth_eps, c.nodes);
    for (double theta : rule.theta) {
      try {
        parse_key_model(node_spec(l, c.growth_eps, theta), c.d);
      } catch (const InputError& e) {
        throw InputError("growth_eps", fmt::format("the degree-{} density at angle {:.4g}: {}", l, theta, e.what()));
      }
    }
  }
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
  std::vector<GrowthRule> rules;
  double runs = 1.0;  // simulate calls of n x trials keys
  for (int l = 1; l <= c.max_l; ++l) {
    rules.push_back(growth_rule(c.d, l, c.growth_eps, c.nodes));
    runs += rules.back().nodes;
  }
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

  // The growth of degree l = 1 .. max_l: one run per node of its rule.
  r.growth.assign(nb, {});
  for (const GrowthRule& rule : rules) {
    const int l = rule.l;
    std::vector<double> sum(nb, 0.0), var(nb, 0.0), exact(nb, 0.0);
    for (int k = 0; k < rule.nodes; ++k) {
      const AnyKeyModel node_model = parse_key_model(node_spec(l, c.growth_eps, rule.theta[k]), c.d);
      const SimulationResult sim =
          simulate(engine, heat_spec(c, node_model, c.seed ^ (0x9e3779b97f4a7c15ULL * (1000 * l + k + 1))), c.trials,
                   BetaScale{}, c.betas, run_progress(fmt::format("growth l={} node {}/{}", l, k + 1, rule.nodes)));
      done_runs += 1;
      const double wh = rule.weight[k] * rule.h[k];
      for (int b = 0; b < nb; ++b) {
        Moments m;
        for (double step : step_along_e2(sim, b)) m.add(step);
        sum[b] += wh * m.mean;
        var[b] += wh * wh * m.variance() / static_cast<double>(m.count);
        const LimitOutput o = limit_output(node_model, c.betas[b]);
        exact[b] += wh * o.e2 / std::hypot(o.e1, o.e2);
      }
    }
    for (int b = 0; b < nb; ++b)
      r.growth[b].push_back(HeatGrowth{l, rule.nodes, c.betas[b], 1.0 + sum[b] * rule.scale,
                                       std::sqrt(var[b]) * std::fabs(rule.scale), 1.0 + exact[b] * rule.scale,
                                       theory::harmonic_growth(l, c.d, c.betas[b])});
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace attnlim
