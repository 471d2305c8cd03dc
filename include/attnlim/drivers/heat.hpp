// The backward heat equation, measured (THEORY.md sections 4 and 7). For subcritical beta the map
// T(q) = O(q)/|O(q)| moves q up the density's gradient: beta <T(q) - q, e_2> -> <grad_S log rho(q), e_2>,
// and pushing rho through T grows a degree-l spherical harmonic of rho by 1 + l(l + d - 2)/beta.
//
// Drift: simulated keys of --keys; per trial beta o_e2 / |O|, its mean and standard error over trials, against
// the n = infinity value from the model's limit output (exact for vMF) and the first-order law.
//
// Growth (the estimator): for rho = 1 + eps P_l(<mu, x>), the coefficient of P_l after one step changes by
//   c_l(T_# rho) - c_l(rho) = E_{x ~ rho}[<grad_S P_l(<mu, x>), T(x) - x>] / |P_l|^2
// to first order in the step, and grad_S P_l(<mu, x>) = P_l'(cos theta) sin theta e_2(x) (theta the angle from
// mu to x, e_2(x) toward mu), so
//   growth - 1 = E_{x ~ rho}[P_l'(cos theta) sin theta <T(x) - x, e_2>] / (eps |P_l|^2),
// a one-dimensional expectation over theta with density rho(cos theta) sin^{d-2} theta, |P_l|^2 = E_unif[P_l^2]
// = 1 / dim H_l. It is taken by Gauss-Legendre quadrature over theta in (0, pi) (growth_rule): at each node the
// query sits at angle theta from mu (the key model harmonic:l=L,eps=E,angle=theta) and <T(q) - q, e_2> =
// o_e2 / |O| is measured over trials; the nodes' standard errors combine into the estimate's (the nodes are
// independent runs). The same rule applied to the nodes' n = infinity steps (their limit outputs) gives the
// growth at n = infinity and this beta, to which the measurement converges; 1 + l(l+d-2)/beta is its first
// order in 1/beta. The rule's own error is checked on that first order, where the answer is known exactly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/engine/engine.hpp"
#include "attnlim/io/progress.hpp"

namespace attnlim {

constexpr int kMaxHeatDegree = 16;     // --max-l
constexpr int kMaxHeatNodes = 96;      // --nodes
constexpr double kHeatRuleTolerance = 1e-4;  // the rule's relative error on the first-order growth

struct HeatConfig {
  int d = 3;
  std::string keys = "vmf:kappa=2,angle=1";  // the drift's key model
  std::vector<double> betas = {20.0, 50.0, 100.0, 200.0};
  std::uint64_t n = 100000, trials = 100, seed = 1;
  int nodes = 0;            // Gauss-Legendre nodes in theta per degree; 0: the fewest within kHeatRuleTolerance
  int max_l = 4;            // growth of degrees 1 .. max_l
  double growth_eps = 0.3;  // eps of the harmonic densities the growth is measured on
};
// Throws InputError naming the field (also when --nodes is too few for the rule's tolerance).
void validate(const HeatConfig& config);

// The quadrature of the growth estimator for degree l: nodes theta_k in (0, pi) and weights w_k proportional to
// the Gauss-Legendre weight times rho(cos theta_k) sin^{d-2} theta_k, normalised to sum to 1; h_k =
// P_l'(cos theta_k) sin theta_k; scale = 1 / (eps |P_l|^2). Then growth = 1 + scale sum_k w_k h_k s_k for the
// steps s_k = <T(x_k) - x_k, e_2>.
struct GrowthRule {
  int l = 0, nodes = 0;
  std::vector<double> theta, weight, h;
  double scale = 0;
  double first_order_error = 0;  // |rule's first-order growth / (l(l+d-2)/beta) - 1|
};
// `nodes` > 0: that many nodes; 0: the fewest (from l + 2 up to kMaxHeatNodes) within kHeatRuleTolerance.
// Throws InputError("nodes" or "max_l") where the tolerance is out of reach.
GrowthRule growth_rule(int d, int l, double eps, int nodes);

struct HeatDrift {
  double beta = 0, mean = 0, stderr_ = 0, exact = 0, first_order = 0;
};
struct HeatGrowth {
  int l = 0, nodes = 0;
  double beta = 0, estimate = 0, stderr_ = 0;
  double exact = 0;        // the same rule on the n = infinity steps
  double first_order = 0;  // 1 + l(l+d-2)/beta
};
struct HeatResult {
  HeatConfig config;
  std::string keys, backend, device;
  std::vector<HeatDrift> drift;                 // per beta
  std::vector<std::vector<HeatGrowth>> growth;  // per beta, per l
  std::vector<double> exact_curve_beta, exact_curve_drift;  // the n = infinity drift on a fine beta grid
  double seconds = 0;
};

HeatResult run_heat(Engine& engine, const HeatConfig& config, const ProgressCallback& progress = {});

// host/drivers/heat_format.cpp
nlohmann::json to_json(const HeatResult& result);
std::string to_table(const HeatResult& result);

}  // namespace attnlim
