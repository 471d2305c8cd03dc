// The projected sampler tier against the full tier, in distribution (DESIGN.md principle 6: each tier is
// validated against the one below it). Uniform keys: both tiers must give the same law of the distance E,
// so every per-trial observable must have the same law. Fixed seeds; the two tiers use different seeds
// because they share block 0 of the stream (both take g_1 from it), which would make the samples dependent.
// Speed is not asserted here (bench/ measures it).
#include <gtest/gtest.h>

#include "support/ks.hpp"
#include "support/sim.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "attnlim/drivers/simulate.hpp"
#include "attnlim/theory/theory.hpp"

using namespace attnlim;
using attnlim_test::ks_critical;
using attnlim_test::ks_statistic;

namespace {

struct TierCase {
  int d;
  std::uint64_t n, trials;
};

SimulationResult run_tier(const TierCase& tc, SamplerTier tier, std::uint64_t seed, const std::vector<double>& lambdas) {
  attnlim_test::Sim c;
  c.d = tc.d;
  c.n = tc.n;
  c.trials = tc.trials;
  c.top_k = 4;
  c.seed = seed;
  c.sampler = tier;
  for (double l : lambdas) c.betas.push_back(l * theory::critical_scale(tc.d, static_cast<double>(tc.n)));
  return attnlim_test::simulate_cpu(c);
}

const std::vector<double> kLambdas = {0.5, 1.0, 4.0};  // around the critical scale: all three regimes' edges
constexpr std::uint64_t kSeedFull = 20240501, kSeedProjected = 77001;

// d = 3, 16, 128: full is the costly one at d = 128 (32 Philox blocks per key), hence fewer keys there.
const TierCase kCases[] = {{3, 1000, 3000}, {16, 1000, 3000}, {128, 400, 2000}};

void compare_tiers(const TierCase& tc) {
  const SimulationResult full = run_tier(tc, SamplerTier::full, kSeedFull, kLambdas);
  const SimulationResult projected = run_tier(tc, SamplerTier::projected, kSeedProjected, kLambdas);

  // Law of the nearest distance E_(1): two-sample KS at level 1e-3.
  const std::vector<double>& e_full = full.values[0][index_of(Observable::e_min)];
  const std::vector<double>& e_proj = projected.values[0][index_of(Observable::e_min)];
  const double m = static_cast<double>(e_full.size()), n = static_cast<double>(e_proj.size());
  const double ks = ks_statistic(e_full, e_proj);
  EXPECT_LT(ks, ks_critical(1e-3, m, n)) << "d=" << tc.d << ": KS distance of E_(1), full vs projected";
  // The test has power: the same sample shifted by half its standard deviation (a KS distance of about
  // 2 Phi(1/4) - 1 = 0.2 for a normal law) must be rejected at the same level, or passing means little.
  std::vector<double> shifted(e_proj);
  const double half_sd = 0.5 * projected.summary(0, Observable::e_min).moments.sd();
  for (double& e : shifted) e += half_sd;
  EXPECT_GT(ks_statistic(e_full, shifted), ks_critical(1e-3, m, n)) << "d=" << tc.d << ": KS has no power";

  // Equal means of every observable at every beta, within 4 combined standard errors.
  for (std::size_t b = 0; b < kLambdas.size(); ++b)
    for (Observable obs : {Observable::e_min, Observable::w_max, Observable::ipr, Observable::entropy, Observable::bias}) {
      const Summary sf = full.summary(static_cast<int>(b), obs), sp = projected.summary(static_cast<int>(b), obs);
      const double se = std::hypot(sf.moments.stderr_of_mean(), sp.moments.stderr_of_mean());
      EXPECT_GT(se, 0.0) << "d=" << tc.d << " " << observable_name(obs) << ": degenerate sample";
      EXPECT_NEAR(sf.moments.mean, sp.moments.mean, 4.0 * se)
          << "d=" << tc.d << " lambda=" << kLambdas[b] << " observable " << observable_name(obs);
    }
}

}  // namespace

TEST(SamplerTiers, ProjectedMatchesFullInD3) { compare_tiers(kCases[0]); }
TEST(SamplerTiers, ProjectedMatchesFullInD16) { compare_tiers(kCases[1]); }
TEST(SamplerTiers, ProjectedMatchesFullInD128) { compare_tiers(kCases[2]); }

// The KS helper itself: identical samples give 0, disjoint samples give 1, and a hand-computed case.
TEST(SamplerTiersKs, StatisticOnKnownSamples) {
  EXPECT_DOUBLE_EQ(ks_statistic({1, 2, 3}, {1, 2, 3}), 0.0);
  EXPECT_DOUBLE_EQ(ks_statistic({1, 2, 3}, {4, 5}), 1.0);
  // F_a jumps at 1, 3; F_b at 2, 4: after 1: 1/2 vs 0 -> 0.5.
  EXPECT_DOUBLE_EQ(ks_statistic({1, 3}, {2, 4}), 0.5);
  EXPECT_NEAR(ks_critical(1e-3, 1, 1), std::sqrt(2.0) * 1.94947, 1e-4);
}
