// The backward heat equation measured by the heat driver: the drift of T(q) against its n = infinity value
// (exact for vMF) and the growth of harmonics against 1 + l(l+d-2)/beta, on small runs with fixed seeds.
#include <gtest/gtest.h>

#include <cmath>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/heat.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/theory/subcritical.hpp"

using namespace attnlim;

TEST(Heat, DriftAndGrowthAgreeWithTheLaws) {
  HeatConfig c;
  c.d = 3;
  c.keys = "vmf:kappa=2,angle=1";
  c.betas = {30.0, 100.0};
  c.n = 50000;
  c.trials = 24;
  c.nodes = 8;
  c.max_l = 2;
  c.seed = 7;
  const auto engine = make_engine(EngineChoice::cpu);
  const HeatResult r = run_heat(*engine, c);
  ASSERT_EQ(r.drift.size(), 2u);
  for (const HeatDrift& d : r.drift) {
    // n = infinity for vMF: beta A_d(|v|) kappa sin T / |v| over |O| = A_d(|v|): beta kappa sin T / |v|.
    const double v1 = d.beta + 2.0 * std::cos(1.0), v2 = 2.0 * std::sin(1.0);
    EXPECT_NEAR(d.exact, d.beta * v2 / std::hypot(v1, v2), 1e-12);
    EXPECT_NEAR(d.first_order, 2.0 * std::sin(1.0), 1e-12);
    EXPECT_NEAR(d.mean, d.exact, 4 * d.stderr_) << "beta " << d.beta;
    EXPECT_GT(d.stderr_, 0.0);
  }
  // First order in 1/beta: at beta = 100 the growth's correction is O((l(l+d-2)/beta)^2) < 0.004.
  for (const HeatGrowth& g : r.growth[1]) {
    EXPECT_EQ(g.predicted, 1.0 + g.l * (g.l + 1.0) / 100.0);
    EXPECT_NEAR(g.estimate, g.predicted, 4 * g.stderr_ + 0.004) << "l = " << g.l;
    EXPECT_LT(g.stderr_, 0.3 * (g.predicted - 1.0)) << "the estimate resolves the growth";
  }
}

TEST(Heat, RefusesBadInputNamingTheField) {
  const auto field = [](auto change) {
    HeatConfig c;
    c.betas = {10.0};
    change(c);
    try {
      validate(c);
    } catch (const InputError& e) {
      return e.field();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(field([](HeatConfig&) {}), "accepted");
  EXPECT_EQ(field([](HeatConfig& c) { c.betas = {0.0}; }), "beta");
  EXPECT_EQ(field([](HeatConfig& c) { c.nodes = 7; }), "nodes");
  EXPECT_EQ(field([](HeatConfig& c) { c.growth_eps = 1.5; }), "growth_eps");
  EXPECT_EQ(field([](HeatConfig& c) { c.keys = "vmf"; }), "keys");
  EXPECT_EQ(field([](HeatConfig& c) { c.trials = 1; }), "trials");
}
