// The backward heat equation measured by the heat driver: the drift of T(q) against its n = infinity value
// (exact for vMF), the growth of harmonics against the same quadrature on the n = infinity steps, and the
// quadrature rule itself against the first-order law it must reproduce.
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/heat.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/theory/tilted.hpp"

using namespace attnlim;

TEST(Heat, DriftAndGrowthAgreeWithTheirNInfinityValues) {
  HeatConfig c;
  c.d = 3;
  c.keys = "vmf:kappa=2,angle=1";
  c.betas = {30.0, 100.0};
  c.n = 50000;
  c.trials = 24;
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
  ASSERT_EQ(r.growth.size(), 2u);
  for (const auto& per_beta : r.growth) {
    ASSERT_EQ(per_beta.size(), 2u);
    for (const HeatGrowth& g : per_beta) {
      EXPECT_DOUBLE_EQ(g.first_order, 1.0 + g.l * (g.l + 1.0) / g.beta);
      EXPECT_NEAR(g.estimate, g.exact, 4 * g.stderr_) << "l = " << g.l << ", beta " << g.beta;
      EXPECT_GT(g.stderr_, 0.0);
    }
  }
  // The measurement resolves the growth (it could not pass by being noise): at beta = 30 its standard error is
  // under a tenth of l(l+1)/beta.
  for (const HeatGrowth& g : r.growth[0]) EXPECT_LT(g.stderr_, 0.1 * (g.first_order - 1.0)) << "l = " << g.l;
}

// The rule's first-order growth: exact to its tolerance for every d and l, with |P_l|^2 = 1 / dim H_l checked
// against E_unif[P_l^2] by an independent quadrature (Boost's, through theory::beta_tilted_mean).
TEST(Heat, GrowthRuleReproducesTheFirstOrderLaw) {
  for (int d : {2, 3, 5, 8, 16}) {
    const double a = 0.5 * (d - 1);
    for (int l = 1; l <= 4; ++l) {
      const GrowthRule rule = growth_rule(d, l, 0.3, 0);
      EXPECT_LE(rule.first_order_error, kHeatRuleTolerance) << "d " << d << " l " << l;
      double total = 0.0;
      for (double w : rule.weight) total += w;
      EXPECT_NEAR(total, 1.0, 1e-14);
      const double norm_sq = theory::beta_tilted_mean(a, a, 0.0, [&](double u) {
        const double p = gegenbauer_normalized(l, d, 1.0 - 2.0 * u);
        return p * p;
      });
      EXPECT_NEAR(rule.scale * 0.3 * norm_sq, 1.0, 1e-10) << "d " << d << " l " << l;
      // An explicit node count too few for the tolerance is refused, naming the field.
      bool refused = false;
      try {
        growth_rule(d, l, 0.3, 3);
      } catch (const InputError& e) {
        refused = true;
        EXPECT_EQ(e.field(), "nodes");
      }
      EXPECT_TRUE(refused) << "3 nodes, d " << d << " l " << l;
    }
  }
}

// At n = infinity the growth is 1 + l(l+d-2)/beta + O(beta^-2): doubling beta quarters the deviation. (32 nodes:
// the automatic rule's 1e-4 relative error on l(l+d-2)/beta would be as large as the l = 1 deviation.)
TEST(Heat, NInfinityGrowthApproachesTheFirstOrderAtSecondOrder) {
  const int d = 3;
  for (int l = 1; l <= 3; ++l) {
    const GrowthRule rule = growth_rule(d, l, 0.3, 32);
    const auto deviation = [&](double beta) {
      double sum = 0.0;
      for (int k = 0; k < rule.nodes; ++k) {
        const AnyKeyModel node = parse_key_model(fmt::format("harmonic:l={},eps=0.3,angle={:.17g}", l, rule.theta[k]), d);
        const LimitOutput o = limit_output(node, beta);
        sum += rule.weight[k] * rule.h[k] * o.e2 / std::hypot(o.e1, o.e2);
      }
      return sum * rule.scale - l * (l + d - 2.0) / beta;
    };
    const double at200 = deviation(200.0), at400 = deviation(400.0);
    EXPECT_NEAR(at400 / at200, 0.25, 0.03) << "l = " << l << ": " << at200 << ", " << at400;
    EXPECT_LT(std::fabs(at200), 0.05 * l * (l + d - 2.0) / 200.0) << "l = " << l;
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
  EXPECT_EQ(field([](HeatConfig& c) { c.betas = {}; }), "beta");
  EXPECT_EQ(field([](HeatConfig& c) { c.betas = {INFINITY}; }), "beta");
  EXPECT_EQ(field([](HeatConfig& c) { c.nodes = 7; }), "nodes");
  EXPECT_EQ(field([](HeatConfig& c) { c.nodes = kMaxHeatNodes + 1; }), "nodes");
  EXPECT_EQ(field([](HeatConfig& c) { c.max_l = kMaxHeatDegree + 1; }), "max_l");
  EXPECT_EQ(field([](HeatConfig& c) { c.growth_eps = 1.5; }), "growth_eps");
  EXPECT_EQ(field([](HeatConfig& c) { c.growth_eps = 0.0; }), "growth_eps");
  EXPECT_EQ(field([](HeatConfig& c) { c.growth_eps = NAN; }), "growth_eps");
  EXPECT_EQ(field([](HeatConfig& c) { c.keys = "vmf"; }), "keys");
  EXPECT_EQ(field([](HeatConfig& c) { c.trials = 1; }), "trials");
  EXPECT_EQ(field([](HeatConfig& c) { c.n = 1; }), "n");
  EXPECT_EQ(field([](HeatConfig& c) { c.d = 1; }), "d");
}
