// The simulator against exact laws (THEORY.md section 6) and an independent Bessel value, with fixed
// seeds and a tolerance of 4 standard errors.
#include <gtest/gtest.h>

#include "support/sim.hpp"

#include <algorithm>
#include <cmath>

#include "attnlim/drivers/simulate.hpp"

using namespace attnlim;

static SimulationResult run(attnlim_test::Sim c) { return attnlim_test::simulate_cpu(c); }

TEST(SimulationLaws, NearestDistanceMeanIsTwoOverNPlusOneInD3) {
  for (SamplerTier tier : {SamplerTier::full, SamplerTier::projected}) {
    attnlim_test::Sim c;
    c.d = 3;
    c.n = 1000;
    c.trials = 4000;
    c.betas = {0.0};
    c.seed = 2024;
    c.sampler = tier;
    const SimulationResult r = run(c);
    const Summary s = r.summary(0, Observable::e_min);
    EXPECT_NEAR(s.moments.mean, 2.0 / (c.n + 1), 4 * s.moments.stderr_of_mean()) << sampler_name(tier);
  }
}

// d = 3: P(E_(1) > s) = (1 - s/2)^n exactly. One-sample Kolmogorov-Smirnov at level 1e-4
// (critical value sqrt(-log(alpha/2)/2)/sqrt(m) = 2.23/sqrt(m)).
TEST(SimulationLaws, NearestDistanceFollowsExactLawInD3) {
  attnlim_test::Sim c;
  c.d = 3;
  c.n = 500;
  c.trials = 3000;
  c.betas = {0.0};
  c.seed = 99;
  c.sampler = SamplerTier::full;
  std::vector<double> e = run(c).values[0][index_of(Observable::e_min)];
  std::sort(e.begin(), e.end());
  double ks = 0;
  const double m = static_cast<double>(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    const double cdf = 1.0 - std::pow(1.0 - e[i] / 2.0, static_cast<double>(c.n));
    ks = std::max({ks, std::abs(cdf - i / m), std::abs((i + 1) / m - cdf)});
  }
  EXPECT_LT(ks, 2.23 / std::sqrt(m));
}

// 1 - A_5(10) = 1 - I_{5/2}(10)/I_{3/2}(10) = 0.188888893978: the value stated in issue 2, computed
// independently from Bessel functions (mpmath: 1 - besseli(2.5,10)/besseli(1.5,10)).
TEST(SimulationLaws, SubcriticalBiasMatchesBessel) {
  for (SamplerTier tier : {SamplerTier::full, SamplerTier::projected}) {
    attnlim_test::Sim c;
    c.d = 5;
    c.n = 100000;
    c.trials = 40;
    c.betas = {10.0};
    c.seed = 5;
    c.sampler = tier;
    const Summary s = run(c).summary(0, Observable::bias);
    EXPECT_NEAR(s.moments.mean, 0.188888893978, 4 * s.moments.stderr_of_mean()) << sampler_name(tier);
    EXPECT_LT(s.moments.stderr_of_mean(), 1e-3);  // the test has power
  }
}

TEST(SimulationLaws, BetaZeroIsExactlyUniform) {
  attnlim_test::Sim c;
  c.d = 4;
  c.n = 12345;
  c.trials = 3;
  c.betas = {0.0};
  c.top_k = 4;
  const SimulationResult r = run(c);
  for (std::size_t t = 0; t < c.trials; ++t) {
    EXPECT_DOUBLE_EQ(r.values[0][index_of(Observable::ipr)][t], 1.0 / c.n);
    EXPECT_DOUBLE_EQ(r.values[0][index_of(Observable::n_eff)][t], static_cast<double>(c.n));
    EXPECT_NEAR(r.values[0][index_of(Observable::entropy)][t], std::log(static_cast<double>(c.n)), 1e-12);
    EXPECT_DOUBLE_EQ(r.values[0][index_of(Observable::w_max)][t], 1.0 / c.n);
    EXPECT_DOUBLE_EQ(top_weight(r.states[t], 0, 0.0, 3), 1.0 / c.n);
  }
}

TEST(SimulationLaws, SupercriticalPutsAllMassOnTheNearestKey) {
  attnlim_test::Sim c;
  c.d = 3;
  c.n = 10000;
  c.trials = 20;
  c.betas = {1e9};  // lambda ~ 1e9 / (n/2)^1 = 2e5
  const SimulationResult r = run(c);
  const Summary w = r.summary(0, Observable::w_max);
  EXPECT_GT(w.moments.mean, 0.999);
  const Summary b = r.summary(0, Observable::bias);
  const Summary e = r.summary(0, Observable::e_min);
  EXPECT_NEAR(b.moments.mean, e.moments.mean, 1e-3 * e.moments.mean);
}
