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
// a one-dimensional expectation over theta with density rho(cos theta) sin^{d-2} theta. It is taken by
// Gauss-Legendre quadrature over theta in (0, pi): at each node the query sits at angle theta from mu (the key
// model harmonic:l=L,eps=E,angle=theta) and <T(q) - q, e_2> = o_e2 / |O| is measured over trials; the nodes'
// standard errors combine into the estimate's (the nodes are independent runs).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/engine/engine.hpp"
#include "attnlim/io/progress.hpp"

namespace attnlim {

struct HeatConfig {
  int d = 3;
  std::string keys = "vmf:kappa=2,angle=1";  // the drift's key model
  std::vector<double> betas;
  std::uint64_t n = 100000, trials = 100, seed = 1;
  int nodes = 12;           // Gauss-Legendre nodes in theta for the growth: 8, 12, 16 or 20
  int max_l = 4;            // growth of degrees 1 .. max_l
  double growth_eps = 0.3;  // eps of the harmonic densities the growth is measured on
};
// Throws InputError naming the field.
void validate(const HeatConfig& config);

struct HeatDrift {
  double beta = 0, mean = 0, stderr_ = 0, exact = 0, first_order = 0;
};
struct HeatGrowth {
  int l = 0;
  double beta = 0, estimate = 0, stderr_ = 0, predicted = 0;
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

nlohmann::json to_json(const HeatResult& result);
std::string to_table(const HeatResult& result);

}  // namespace attnlim
