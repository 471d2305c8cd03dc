// Subcritical predictions (THEORY.md section 3) against the simulator: bias, the radial and
// tangential fluctuations of the output, and the effective sample size. Fixed seeds; tolerances of
// 4 standard errors of the simulated quantity.
#include <gtest/gtest.h>

#include "support/sim.hpp"

#include <cmath>

#include "attnlim/drivers/simulate.hpp"
#include "attnlim/theory/theory.hpp"

using namespace attnlim;

TEST(TheoryVsSimulation, SubcriticalOutputMatchesDeltaMethod) {
  attnlim_test::Sim c;
  c.d = 5;
  c.n = 20000;
  c.trials = 600;
  c.betas = {4.0, 10.0, 30.0};
  c.top_k = 1;
  c.seed = 31;
  c.output_vector = true;
  c.sampler = SamplerTier::full;
  const SimulationResult r = attnlim_test::simulate_cpu(c);
  const double trials = static_cast<double>(c.trials);
  for (std::size_t b = 0; b < c.betas.size(); ++b) {
    const auto pred = theory::subcritical(c.d, c.betas[b], static_cast<double>(c.n));
    const int bi = static_cast<int>(b);
    // Bias: the n = infinity value 1 - A_d(beta); the ratio estimator's O(1/n) bias is far below the error.
    const Summary bias_s = r.summary(bi, Observable::bias);
    EXPECT_NEAR(bias_s.moments.mean, pred.bias, 4 * bias_s.moments.stderr_of_mean()) << "beta " << c.betas[b];
    // Radial variance: the sample variance of O_1 over trials; its standard error for a Gaussian is
    // var * sqrt(2 / (T - 1)).
    const double radial_var = r.summary(bi, Observable::o_e1).moments.variance();
    EXPECT_NEAR(radial_var / pred.radial_variance, 1.0, 4 * std::sqrt(2.0 / (trials - 1))) << "beta " << c.betas[b];
    // Tangential: E|O_perp|^2 = (d - 1) * (variance per direction); |O_perp|^2 = o_e2^2 + o_rest^2 is a
    // scaled chi^2(d-1).
    Moments perp_sq;
    for (std::size_t t = 0; t < r.states.size(); ++t) {
      const double e2 = r.values[b][index_of(Observable::o_e2)][t], rest = r.values[b][index_of(Observable::o_rest)][t];
      perp_sq.add(e2 * e2 + rest * rest);
    }
    const double expected = (c.d - 1) * pred.tangential_variance;
    EXPECT_NEAR(perp_sq.mean / expected, 1.0, 4 * std::sqrt(2.0 / ((c.d - 1) * trials))) << "beta " << c.betas[b];
    // Effective sample size: ipr = sum w^2 concentrates on M(2b) / (n M(b)^2).
    const Summary ipr_s = r.summary(bi, Observable::ipr);
    EXPECT_NEAR(ipr_s.moments.mean / pred.ipr, 1.0, 4 * ipr_s.moments.stderr_of_mean() / pred.ipr + 1e-3)
        << "beta " << c.betas[b];
  }
}

// Critical limit: at beta = lambda (n c_d)^{2/(d-1)} with n large, the simulated mean ipr equals the
// Mecke value of the limit law (d = 4 here; d = 3 is covered by the critical-beta tests).
TEST(TheoryVsSimulation, CriticalIprMatchesMeckeLimit) {
  attnlim_test::Sim c;
  c.d = 4;
  c.n = 50000;  // nearest distances ~ 1e-3: the power law c s^a holds to ~0.1%
  c.trials = 400;
  c.top_k = 1;
  c.seed = 8;
  c.sampler = SamplerTier::projected;
  BetaScale scale;
  scale.kind = BetaScale::critical;
  const std::vector<double> lambdas = {0.5, 1.0, 2.0};
  for (double l : lambdas) c.betas.push_back(absolute_beta(scale, l, UniformKeys{c.d}, KeyCount::exact(c.n)));
  const SimulationResult r = attnlim_test::simulate_cpu(c, scale, lambdas);
  const double a = theory::local_exponent(c.d);
  for (std::size_t b = 0; b < lambdas.size(); ++b) {
    const Summary s = r.summary(static_cast<int>(b), Observable::ipr);
    EXPECT_NEAR(s.moments.mean, theory::critical_ipr(a, lambdas[b]), 4 * s.moments.stderr_of_mean()) << lambdas[b];
    const Summary h = r.summary(static_cast<int>(b), Observable::entropy);
    EXPECT_NEAR(h.moments.mean, theory::critical_entropy(a, lambdas[b]), 4 * h.moments.stderr_of_mean()) << lambdas[b];
  }
}
