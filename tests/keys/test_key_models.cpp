// One conformance suite over every registered key model (THEORY.md section 7): keys on the sphere with
// E = 1 - <q, K>; E's law against the model's exact distance CDF (one-sample Kolmogorov-Smirnov at level
// 1e-3); the two tiers agree in law where the model allows both; the simulated output O against the model's
// n = infinity output within 4 standard errors; the critical exponent 1/a' inside critical's interval.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <boost/math/special_functions/chebyshev.hpp>
#include <boost/math/special_functions/gegenbauer.hpp>
#include <fmt/core.h>

#include "attnlim/drivers/critical.hpp"
#include "attnlim/drivers/simulate.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/state/observables.hpp"
#include "support/ks.hpp"

using namespace attnlim;
using attnlim_test::ks_statistic;

namespace {

struct ModelCase {
  std::string spec;
  int d;
};

// Every model, symmetric and not, at small and moderate d (the mixture mixes them).
const ModelCase kCases[] = {
    {"uniform", 3},
    {"vmf:kappa=4,angle=1.2", 3},
    {"vmf:kappa=30", 5},
    {"vmf:kappa=2,angle=3.141592653589793", 4},  // axis opposite q: E = 1 + w
    {"vmf:kappa=2,angle=1.5", 16},  // off the axis at d >= 5: pairs off the axis add squared radii only
    {"subsphere:m=2", 5},
    {"subsphere:m=4", 16},
    {"power:gamma=2", 3},
    {"power:gamma=-1.5", 6},
    {"harmonic:l=2,eps=0.7,angle=0.9", 3},
    {"harmonic:l=3,eps=-0.5", 6},
    {"mix:0.9*vmf:kappa=20,angle=2.5;0.1*uniform", 3},
    {"mix:0.5*power:gamma=1;0.5*subsphere:m=3", 4},
};

template <class F>
double sample_model(const AnyKeyModel& model, F f) {
  return std::visit(f, model);
}

// The keys 0 .. count - 1 of trial 7: E from the FullKey sampler and its tangential components.
std::vector<double> full_distances(const AnyKeyModel& model, int count, std::vector<std::vector<double>>* directions) {
  const int d = dimension(model);
  std::vector<double> e;
  std::vector<double> tangential(d - 1);
  for (int i = 0; i < count; ++i) {
    const KeyStream stream{20261202, 7, static_cast<std::uint64_t>(i)};
    e.push_back(std::visit([&](const auto& m) { return m.key(stream, tangential.data()); }, model));
    if (directions) directions->push_back(tangential);
  }
  return e;
}

std::vector<double> projected_distances(const AnyKeyModel& model, int count) {
  std::vector<double> e;
  for (int i = 0; i < count; ++i) {
    const KeyStream stream{11, 3, static_cast<std::uint64_t>(i)};
    e.push_back(std::visit([&](const auto& m) { return m.distance(stream); }, model));
  }
  return e;
}

// sup_x |F_n(x) - F(x)| against a CDF given in logs.
double ks_one_sample(std::vector<double> x, const std::function<double(double)>& log_cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = std::exp(log_cdf(std::min(x[i], 2.0)));
    d = std::max({d, std::abs(f - i / n), std::abs((i + 1) / n - f)});
  }
  return d;
}

// Critical values at level 1e-3 (Smirnov's limit law): c = sqrt(-ln(5e-4) / 2) = 1.9495.
constexpr double kKsC = 1.9495;

}  // namespace

TEST(KeyModels, KeysLieOnTheSphereWithTheirDistance) {
  for (const ModelCase& mc : kCases) {
    SCOPED_TRACE(mc.spec + " d=" + std::to_string(mc.d));
    const AnyKeyModel model = parse_key_model(mc.spec, mc.d);
    std::vector<std::vector<double>> directions;
    const std::vector<double> e = full_distances(model, 2000, &directions);
    double worst = 0.0;
    for (std::size_t i = 0; i < e.size(); ++i) {
      ASSERT_GE(e[i], 0.0);
      ASSERT_LE(e[i], 2.0);
      double perp_sq = 0.0;
      for (double v : directions[i]) perp_sq += v * v;
      // |K|^2 = (1 - E)^2 + |K_perp|^2 = 1.
      worst = std::max(worst, std::abs((1.0 - e[i]) * (1.0 - e[i]) + perp_sq - 1.0));
    }
    EXPECT_LT(worst, 1e-12);
    // The distance does not depend on whether the direction is asked for.
    const KeyStream stream{20261202, 7, 5};
    EXPECT_EQ(std::visit([&](const auto& m) { return m.key(stream, nullptr); }, model), e[5]);
  }
}

TEST(KeyModels, DistanceFollowsTheExactLaw) {
  constexpr int kKeys = 4000;
  for (const ModelCase& mc : kCases) {
    SCOPED_TRACE(mc.spec + " d=" + std::to_string(mc.d));
    const AnyKeyModel model = parse_key_model(mc.spec, mc.d);
    const auto log_cdf = [&](double s) { return distance_log_cdf(model, s); };
    EXPECT_NEAR(std::exp(log_cdf(2.0)), 1.0, 1e-9);
    const double ks = ks_one_sample(full_distances(model, kKeys, nullptr), log_cdf);
    EXPECT_LT(ks, kKsC / std::sqrt(kKeys)) << "KS distance of E against the model's distance law";
  }
  // The test has power: a vMF's distances against the uniform law are rejected.
  const AnyKeyModel vmf = parse_key_model("vmf:kappa=4,angle=1.2", 3), uniform = parse_key_model("uniform", 3);
  EXPECT_GT(ks_one_sample(full_distances(vmf, kKeys, nullptr), [&](double s) { return distance_log_cdf(uniform, s); }),
            kKsC / std::sqrt(kKeys));
}

TEST(KeyModels, BothTiersAgreeInLawWhereBothApply) {
  constexpr int kKeys = 4000;
  for (const ModelCase& mc : kCases) {
    const AnyKeyModel model = parse_key_model(mc.spec, mc.d);
    SCOPED_TRACE(mc.spec + " d=" + std::to_string(mc.d));
    if (!supports_tier(model, SamplerTier::projected, nullptr)) {
      EXPECT_FALSE(symmetric_about_query(model));
      continue;
    }
    const double ks = ks_statistic(full_distances(model, kKeys, nullptr), projected_distances(model, kKeys));
    EXPECT_LT(ks, kKsC * std::sqrt(2.0 / kKeys));
  }
}

// O from n keys at large n against the n = infinity output (exact for vMF, quadrature for the others),
// within 4 standard errors (plus 1e-3 for the ratio estimator's O(1/n_eff) bias).
TEST(KeyModels, OutputConvergesToTheLimit) {
  const auto engine = make_engine(EngineChoice::cpu);
  for (const ModelCase& mc : kCases) {
    SCOPED_TRACE(mc.spec + " d=" + std::to_string(mc.d));
    RunSpec spec;
    spec.keys = parse_key_model(mc.spec, mc.d);
    spec.tier = SamplerTier::full;
    spec.output_vector = true;
    spec.betas = {0.0, 3.0, 20.0};
    spec.top_k = 1;
    spec.seed = 99;
    spec.n = KeyCount::exact(40000);
    const SimulationResult r = simulate(*engine, spec, 30, BetaScale{}, spec.betas);
    for (std::size_t b = 0; b < spec.betas.size(); ++b) {
      const LimitOutput limit = limit_output(spec.keys, spec.betas[b]);
      const Summary e1 = r.summary(static_cast<int>(b), Observable::o_e1);
      const Summary e2 = r.summary(static_cast<int>(b), Observable::o_e2);
      EXPECT_NEAR(e1.moments.mean, limit.e1, 4 * e1.moments.stderr_of_mean() + 1e-3) << "beta " << spec.betas[b];
      EXPECT_NEAR(e2.moments.mean, limit.e2, 4 * e2.moments.stderr_of_mean() + 1e-3) << "beta " << spec.betas[b];
      if (symmetric_about_query(spec.keys)) EXPECT_EQ(limit.e2, 0.0);
    }
  }
}

// The local exponent decides the critical scale: for a subsphere (a' = (m-1)/2) and a vanishing density
// (a' = a + gamma/2), critical's fitted exponent covers 1/a', not uniform keys' 2/(d-1).
TEST(KeyModels, CriticalExponentIsTheLocalOne) {
  const auto engine = make_engine(EngineChoice::cpu);
  for (const auto& [spec, d] : std::vector<std::pair<std::string, int>>{{"subsphere:m=3", 5}, {"power:gamma=2", 3}}) {
    SCOPED_TRACE(spec);
    CriticalConfig c;
    c.d = d;
    c.keys = spec;
    c.n_min = 1000;
    c.n_max = 300000;
    c.n_points = 4;
    c.trials = 160;
    c.resamples = 200;
    const CriticalResult r = run_critical(*engine, c);
    const double predicted = 1.0 / local_law(parse_key_model(spec, d)).a;
    EXPECT_EQ(r.predicted_exponent, predicted);
    EXPECT_LE(r.fit.slope_ci_low, predicted);
    EXPECT_GE(r.fit.slope_ci_high, predicted);
    EXPECT_GT(std::abs(predicted - 2.0 / (d - 1)), r.fit.slope_ci_high - r.fit.slope_ci_low)
        << "the test tells the local exponent from uniform keys' one";
  }
}

// The first-order drift <grad_S log rho(q), e_2>, the heat driver's first-order law. e_2 points from q toward the
// models' axis, which sits at angle T from q: moving the axis away (T up) is moving q against e_2, so the drift
// is -d/dT log rho(q; T), checked by a central difference of the log-density hook for every model with an axis
// and for a mixture of them (its weights p_j rho_j / rho at q).
TEST(KeyModels, FirstOrderDriftIsTheGradientOfTheLogDensity) {
  const auto spec_at = [](const std::string& pattern, double angle) {
    std::string s = pattern;
    const std::string a = fmt::format("{:.17g}", angle);
    for (std::size_t at; (at = s.find("ANGLE")) != std::string::npos;) s.replace(at, 5, a);
    return s;
  };
  const auto log_rho = [](const AnyKeyModel& m) {
    return std::visit([](const auto& x) { return x.log_density_at_query(); }, m);
  };
  for (const std::string pattern : {"vmf:kappa=3,angle=ANGLE", "harmonic:l=3,eps=0.4,angle=ANGLE",
                                    "mix:0.3*vmf:kappa=3,angle=ANGLE;0.3*harmonic:l=2,eps=0.5,angle=ANGLE;0.4*uniform"})
    for (int d : {3, 6})
      for (double angle : {0.4, 1.3, 2.2}) {
        SCOPED_TRACE(spec_at(pattern, angle) + " d=" + std::to_string(d));
        const double h = 1e-5;
        const double difference = -(log_rho(parse_key_model(spec_at(pattern, angle + h), d)) -
                                    log_rho(parse_key_model(spec_at(pattern, angle - h), d))) / (2 * h);
        EXPECT_NEAR(first_order_drift(parse_key_model(spec_at(pattern, angle), d)), difference, 1e-7);
      }
  // Closed forms: vMF kappa sin T; harmonic eps P_l'(cos T) sin T / (1 + eps P_l(cos T)), here l = 1 at d = 3
  // (P_1(t) = t): eps sin T / (1 + eps cos T).
  EXPECT_NEAR(first_order_drift(parse_key_model("vmf:kappa=3,angle=1.3", 3)), 3 * std::sin(1.3), 1e-14);
  EXPECT_NEAR(first_order_drift(parse_key_model("harmonic:l=1,eps=0.4,angle=1.3", 3)),
              0.4 * std::sin(1.3) / (1 + 0.4 * std::cos(1.3)), 1e-14);
  // In log space: a concentrated vMF far from q has rho(q) ~ e^-1100, which underflows, and a finite drift.
  EXPECT_NEAR(first_order_drift(parse_key_model("vmf:kappa=600,angle=2.5", 3)), 600 * std::sin(2.5), 1e-10);
  EXPECT_NEAR(first_order_drift(parse_key_model("mix:0.5*vmf:kappa=600,angle=2.5;0.5*vmf:kappa=2,angle=1", 3)),
              2 * std::sin(1.0), 1e-9);
  // Symmetric models have none; a mixture with a density not differentiable at q (|x - q|^0.5) has no law, one
  // whose extra component vanishes smoothly at q (|x - q|^2) keeps the other's.
  for (const char* symmetric : {"uniform", "subsphere:m=2", "power:gamma=0.5", "vmf:kappa=4,angle=0"})
    EXPECT_EQ(first_order_drift(parse_key_model(symmetric, 3)), 0.0) << symmetric;
  EXPECT_TRUE(std::isnan(first_order_drift(parse_key_model("mix:0.5*power:gamma=0.5;0.5*vmf:kappa=2,angle=1", 3))));
  EXPECT_NEAR(first_order_drift(parse_key_model("mix:0.5*power:gamma=2;0.5*vmf:kappa=2,angle=1", 3)), 2 * std::sin(1.0),
              1e-12);
  EXPECT_TRUE(std::isnan(first_order_drift(parse_key_model("mix:0.5*subsphere:m=2;0.5*vmf:kappa=2,angle=1", 3))));
}

// The n = infinity drift beta <T(q) - q, e_2> tends to the first-order law as beta grows (the heat equation's
// one step), at rate 1/beta, for models whose limit output is a quadrature (harmonic, mixture).
TEST(KeyModels, LimitDriftTendsToTheFirstOrderLaw) {
  for (const char* spec : {"harmonic:l=2,eps=0.5,angle=1", "mix:0.5*vmf:kappa=2,angle=1;0.5*harmonic:l=2,eps=0.5,angle=1"}) {
    SCOPED_TRACE(spec);
    const AnyKeyModel m = parse_key_model(spec, 3);
    const double law = first_order_drift(m);
    const auto deviation = [&](double beta) {
      const LimitOutput o = limit_output(m, beta);
      return beta * o.e2 / std::hypot(o.e1, o.e2) - law;
    };
    const double at1e3 = deviation(1e3), at1e4 = deviation(1e4);
    EXPECT_LT(std::fabs(at1e3), 0.05 * std::fabs(law));
    EXPECT_NEAR(at1e4 / at1e3, 0.1, 0.02) << at1e3 << " " << at1e4;
  }
}

// The device's Gegenbauer recurrence against Boost.Math (d >= 3) and Chebyshev (d = 2).
TEST(KeyModels, GegenbauerAgainstBoost) {
  for (int d : {2, 3, 4, 7, 16})
    for (int l : {0, 1, 2, 3, 4, 7})
      for (double t : {-1.0, -0.83, -0.2, 0.0, 0.31, 0.77, 1.0}) {
        double reference;
        if (d == 2) {
          reference = boost::math::chebyshev_t(l, t);
        } else {
          const double lambda = 0.5 * (d - 2);
          reference = boost::math::gegenbauer(l, lambda, t) / boost::math::gegenbauer(l, lambda, 1.0);
        }
        EXPECT_NEAR(gegenbauer_normalized(l, d, t), reference, 1e-13) << "d=" << d << " l=" << l << " t=" << t;
        // The derivative against a central difference.
        if (std::abs(t) < 1.0) {
          const double h = 1e-6;
          const double numeric = (gegenbauer_normalized(l, d, t + h) - gegenbauer_normalized(l, d, t - h)) / (2 * h);
          EXPECT_NEAR(gegenbauer_normalized_derivative(l, d, t), numeric, 1e-6 * (1 + std::abs(numeric)));
        }
      }
}
