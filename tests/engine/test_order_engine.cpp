// The order-statistics engine (--sampler order, THEORY.md section 8) against the per-key engine, the exact
// critical law at n = 1e100 and 1e300, and the subcritical delta method at n = 1e30.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "attnlim/analysis/statistics.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/state/observables.hpp"
#include "attnlim/theory/theory.hpp"
#include "support/ks.hpp"

namespace {

using namespace attnlim;

struct Sample {
  // Per beta, per observable: the trial values as observables (not scaled).
  std::vector<std::vector<std::vector<double>>> values;
  std::vector<TrialState> states;
};

const std::vector<Observable> kCompared = {Observable::w_max, Observable::ipr, Observable::entropy, Observable::bias,
                                           Observable::y_min, Observable::e_min};

Sample run(Engine& engine, const RunSpec& spec, std::uint64_t trials) {
  Sample s;
  s.states = engine.run(spec, WorkRange::all_keys(spec, trials));
  const double scale = s.states.front().log_distance_scale;
  const std::vector<double> betas = state_betas(spec, scale);
  s.values.assign(spec.betas.size(), std::vector<std::vector<double>>(kNumObservables));
  for (const auto& st : s.states)
    for (std::size_t b = 0; b < spec.betas.size(); ++b) {
      const auto o = trial_observables(st, static_cast<int>(b), betas[b], log_rescale(spec));
      for (int k = 0; k < kNumObservables; ++k)
        s.values[b][k].push_back(o[k] * std::exp(observable_log_unit(static_cast<Observable>(k), scale)));
    }
  return s;
}

Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.add(x);
  return m;
}

struct AgreementCase {
  int d;
  std::string keys;
  std::uint64_t n;
  std::uint64_t trials;
  bool output_vector;
};

class OrderVsPerKey : public ::testing::TestWithParam<AgreementCase> {};

// Every observable's mean equal within 4 standard errors (independent seeds), and two-sample KS tests on the
// nearest distance and on ipr at the critical lambda*, for betas lambda* x {0.03, 0.3, 1, 3, 30} (subcritical
// to supercritical).
TEST_P(OrderVsPerKey, SameLawAsThePerKeyEngine) {
  const AgreementCase c = GetParam();
  RunSpec spec;
  spec.keys = parse_key_model(c.keys, c.d);
  spec.n = KeyCount::exact(c.n);
  spec.top_k = 4;
  spec.output_vector = c.output_vector;
  spec.tier = c.output_vector ? SamplerTier::full : SamplerTier::projected;
  const theory::LocalLaw law = local_law(spec.keys);
  const double lambda_star = theory::critical_lambda_star(law.a, theory::CriticalObservable::ipr, 0.5).lambda;
  const double scale = std::exp(log_rescale(spec));
  for (double f : {0.03, 0.3, 1.0, 3.0, 30.0}) spec.betas.push_back(f * lambda_star * scale);
  auto per_key = make_engine(EngineChoice::cpu);
  auto order = make_order_engine();
  spec.seed = 11;
  const Sample a = run(*per_key, spec, c.trials);
  spec.seed = 12;
  const Sample b = run(*order, spec, c.trials);
  std::vector<Observable> compared = kCompared;
  if (c.output_vector) compared.insert(compared.end(), {Observable::o_e1, Observable::o_rest});
  for (std::size_t k = 0; k < spec.betas.size(); ++k)
    for (Observable o : compared) {
      const Moments ma = moments(a.values[k][index_of(o)]), mb = moments(b.values[k][index_of(o)]);
      const double se = std::hypot(ma.stderr_of_mean(), mb.stderr_of_mean());
      EXPECT_LE(std::abs(ma.mean - mb.mean), 4.0 * se + 1e-12 * std::abs(ma.mean))
          << c.keys << " d=" << c.d << " n=" << c.n << " lambda/lambda*=" << (spec.betas[k] / scale / lambda_star)
          << " " << observable_name(o) << ": per-key " << ma.mean << " ± " << ma.stderr_of_mean() << ", order "
          << mb.mean << " ± " << mb.stderr_of_mean();
    }
  const double critical = attnlim_test::ks_critical(1e-3, c.trials, c.trials);
  EXPECT_LE(attnlim_test::ks_statistic(a.values[0][index_of(Observable::y_min)], b.values[0][index_of(Observable::y_min)]),
            critical)
      << "KS on e_min";
  EXPECT_LE(attnlim_test::ks_statistic(a.values[2][index_of(Observable::ipr)], b.values[2][index_of(Observable::ipr)]),
            critical)
      << "KS on ipr at lambda*";
  for (const auto& st : b.states) {
    EXPECT_FALSE(st.indexed);  // ranks, not key indices
    if (c.n <= 4096) {
      EXPECT_EQ(st.exact_keys, c.n);
      EXPECT_EQ(st.bulk_error_bound, 0.0);
    } else if (st.exact_keys < (1u << 14)) {
      EXPECT_LE(st.bulk_error_bound, spec.bulk_tolerance);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tiers, OrderVsPerKey,
    ::testing::Values(AgreementCase{3, "uniform", 1000, 800, false}, AgreementCase{3, "uniform", 100000, 600, false},
                      AgreementCase{3, "uniform", 10000000, 100, false}, AgreementCase{16, "uniform", 1000, 800, false},
                      AgreementCase{16, "uniform", 1000000, 300, false}, AgreementCase{128, "uniform", 1000, 800, false},
                      AgreementCase{128, "uniform", 1000000, 300, false}, AgreementCase{5, "power:gamma=2", 100000, 400, false},
                      AgreementCase{6, "subsphere:m=3", 100000, 400, false},
                      AgreementCase{4, "mix:0.5*uniform;0.5*subsphere:m=3", 100000, 400, false},
                      AgreementCase{5, "uniform", 100000, 400, true}, AgreementCase{6, "subsphere:m=4", 100000, 400, true}),
    [](const ::testing::TestParamInfo<AgreementCase>& info) {
      const AgreementCase& c = info.param;
      std::string keys = c.keys.substr(0, c.keys.find(':'));
      return keys + "_d" + std::to_string(c.d) + "_n" + std::to_string(c.n) + (c.output_vector ? "_vector" : "");
    });

// At n = 1e100 and 1e300 the rescaled distances are the Poisson process of the critical law to double
// precision: ipr and entropy equal the Mecke-formula values, w_max the exact sampler's, within 4 standard errors.
TEST(OrderEngine, CriticalLawAtHugeN) {
  auto order = make_order_engine();
  for (int d : {3, 4})
    for (double log10_n : {100.0, 300.0}) {
      RunSpec spec;
      spec.keys = UniformKeys{d};
      spec.n = KeyCount::from_log(log10_n * std::log(10.0));
      spec.top_k = 2;
      spec.seed = 5;
      spec.betas = {0.5, 1.0, 2.0};  // lambda, in the unit (n c)^{1/a}
      spec.log_beta_unit = log_rescale(spec);
      const std::uint64_t trials = 3000;
      const Sample s = run(*order, spec, trials);
      const double a = 0.5 * (d - 1);
      for (std::size_t k = 0; k < spec.betas.size(); ++k) {
        const double lambda = spec.betas[k];
        const Moments ipr = moments(s.values[k][index_of(Observable::ipr)]);
        const Moments entropy = moments(s.values[k][index_of(Observable::entropy)]);
        const Moments w_max = moments(s.values[k][index_of(Observable::w_max)]);
        EXPECT_NEAR(ipr.mean, theory::critical_ipr(a, lambda), 4.0 * ipr.stderr_of_mean()) << d << " 1e" << log10_n << " " << lambda;
        EXPECT_NEAR(entropy.mean, theory::critical_entropy(a, lambda), 4.0 * entropy.stderr_of_mean())
            << d << " 1e" << log10_n << " " << lambda;
        theory::CriticalSamplerOptions options;
        options.trials = 4000;
        const theory::CriticalSample exact = theory::sample_critical(a, lambda, options);
        EXPECT_NEAR(w_max.mean, exact.w_max, 4.0 * std::hypot(w_max.stderr_of_mean(), exact.w_max_stderr))
            << d << " 1e" << log10_n << " " << lambda;
        // The nearest rescaled distance is Gamma(1)^{1/a} = Exp(1)^{1/a}: mean Gamma(1 + 1/a).
        const Moments y = moments(s.values[k][index_of(Observable::y_min)]);
        EXPECT_NEAR(y.mean, std::tgamma(1.0 + 1.0 / a), 4.0 * y.stderr_of_mean());
      }
    }
}

// Subcritical at n = 1e30: the bias sum w E equals 1 - A_d(beta) up to its fluctuation, and its standard
// deviation over trials is the delta method's radial one (THEORY.md section 3).
TEST(OrderEngine, SubcriticalBiasAndDeltaMethodAt1e30) {
  auto order = make_order_engine();
  for (int d : {3, 5}) {
    RunSpec spec;
    spec.keys = UniformKeys{d};
    spec.n = KeyCount::from_log(30.0 * std::log(10.0));
    spec.top_k = 1;
    spec.seed = 9;
    spec.betas = {1e3, 1e5};  // absolute: lambda ~ 1e-27 and 1e-25 at d = 3 (deep subcritical)
    const std::uint64_t trials = 400;
    const Sample s = run(*order, spec, trials);
    for (std::size_t k = 0; k < spec.betas.size(); ++k) {
      const theory::Subcritical th = theory::subcritical(d, spec.betas[k], spec.n.value());
      const Moments bias = moments(s.values[k][index_of(Observable::bias)]);
      const double sd = std::sqrt(th.radial_variance);
      // The mean's error: 4 standard errors of the trials, plus the quadrature's (1e-9 relative).
      EXPECT_NEAR(bias.mean, th.bias, 4.0 * sd / std::sqrt(trials) + 1e-9 * th.bias) << d << " beta=" << spec.betas[k];
      // sd's standard error ~ sd / sqrt(2 T): 4 of them.
      EXPECT_NEAR(bias.sd() / sd, 1.0, 4.0 / std::sqrt(2.0 * trials)) << d << " beta=" << spec.betas[k];
    }
  }
}

TEST(OrderEngine, ThreadCountDoesNotChangeResults) {
  RunSpec spec;
  spec.keys = UniformKeys{16};
  spec.n = KeyCount::from_log(50.0);
  spec.betas = {10.0, 100.0, 1000.0};
  spec.output_vector = true;
  spec.tier = SamplerTier::full;
  EngineOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = make_order_engine(one)->run(spec, WorkRange::all_keys(spec, 12));
  const auto b = make_order_engine(two)->run(spec, WorkRange::all_keys(spec, 12));
  for (std::size_t t = 0; t < a.size(); ++t) {
    EXPECT_EQ(a[t].s0, b[t].s0);
    EXPECT_EQ(a[t].s1, b[t].s1);
    EXPECT_EQ(a[t].vec, b[t].vec);
    EXPECT_EQ(a[t].top_distance, b[t].top_distance);
  }
}

TEST(OrderEngine, RefusesWhatItCannotRun) {
  auto order = make_order_engine();
  RunSpec spec;
  spec.betas = {1.0};
  spec.keys = parse_key_model("vmf:kappa=2", 3);
  std::string why;
  EXPECT_FALSE(order->supports(spec, &why));
  EXPECT_NE(why.find("Beta"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  spec.keys = UniformKeys{3};
  spec.n = KeyCount::from_log(800.0);
  spec.betas = {0.0, 1e300};
  EXPECT_FALSE(order->supports(spec, &why));
  EXPECT_NE(why.find("beta = 0"), std::string::npos) << why;
  spec.betas = {1.0};  // lambda = 1 / (n c) = e^{-799}: zero in rescaled units
  EXPECT_FALSE(order->supports(spec, &why));
  EXPECT_NE(why.find("below 1e-300"), std::string::npos) << why;
  // The per-key engines refuse n held as log n, and betas in a unit.
  auto cpu = make_engine(EngineChoice::cpu);
  spec.betas = {1.0};
  EXPECT_FALSE(cpu->supports(spec, &why));
  spec.n = KeyCount::exact(100);
  spec.log_beta_unit = 3.0;
  EXPECT_FALSE(cpu->supports(spec, &why));
}

// n = 1 (a single exact key: every weight 1) and n = 1e5000 (nothing overflows in rescaled units).
TEST(OrderEngine, AnyNFromOneTo1e5000) {
  auto order = make_order_engine();
  RunSpec spec;
  spec.keys = UniformKeys{3};
  spec.top_k = 1;
  spec.n = KeyCount::exact(1);
  spec.betas = {0.0, 5.0};
  for (const auto& st : order->run(spec, WorkRange::all_keys(spec, 20))) {
    EXPECT_EQ(st.exact_keys, 1u);
    EXPECT_EQ(st.s0[0], 1.0);
    EXPECT_EQ(st.s0[1], 1.0);
  }
  spec.n = KeyCount::from_log(5000.0 * std::log(10.0));
  spec.betas = {1.0};
  spec.log_beta_unit = log_rescale(spec);
  const Sample s = run(*order, spec, 500);
  const Moments ipr = moments(s.values[0][index_of(Observable::ipr)]);
  EXPECT_NEAR(ipr.mean, theory::critical_ipr(1.0, 1.0), 4.0 * ipr.stderr_of_mean());
  const Moments y = moments(s.values[0][index_of(Observable::y_min)]);
  EXPECT_NEAR(y.mean, 1.0, 4.0 * y.stderr_of_mean());  // Exp(1) at d = 3
  // e_min itself (1e-5000) is beyond a double: 0 as a value, its log carried by the state's scale.
  EXPECT_EQ(s.values[0][index_of(Observable::e_min)][0], 0.0);
  EXPECT_NEAR(s.states[0].log_distance_scale, 5000.0 * std::log(10.0) + std::log(0.5), 1e-9);
}

}  // namespace

namespace {

// Regressions from review: laws whose nearest distance underflows a double before its probability does
// (a' < 1: uniform d = 2, subsphere m = 2, a negative power) and a mixture holding one, at n = 1e200.
TEST(OrderEngine, TinyExponentLawsAtMidRangeN) {
  auto order = attnlim::make_order_engine();
  for (const auto& [d, keys] : std::vector<std::pair<int, std::string>>{
           {2, "uniform"}, {3, "subsphere:m=2"}, {5, "power:gamma=-3.5"}, {3, "mix:0.5*subsphere:m=2;0.5*uniform"}}) {
    attnlim::RunSpec spec;
    spec.keys = attnlim::parse_key_model(keys, d);
    spec.n = attnlim::KeyCount::from_log(200.0 * std::log(10.0));
    spec.top_k = 1;
    spec.betas = {1.0};
    spec.log_beta_unit = attnlim::log_rescale(spec);
    const Sample s = run(*order, spec, 1500);
    const double a = attnlim::local_law(spec.keys).a;
    const Moments y = moments(s.values[0][index_of(Observable::y_min)]);
    const Moments ipr = moments(s.values[0][index_of(Observable::ipr)]);
    EXPECT_NEAR(y.mean, std::tgamma(1.0 + 1.0 / a), 4.0 * y.stderr_of_mean()) << keys;
    EXPECT_NEAR(ipr.mean, attnlim::theory::critical_ipr(a, 1.0), 4.0 * ipr.stderr_of_mean()) << keys;
  }
}

// Sums of the bulk beyond a double in rescaled units are refused, not returned as 0; s0 beyond 1e154 still
// gives ipr (the subcritical delta method's M(2b) / (n M(b)^2) at n = 1e290, d = 128, beta = 1).
TEST(OrderEngine, HugeSumsAreRefusedOrKept) {
  auto order = attnlim::make_order_engine();
  attnlim::RunSpec spec;
  spec.keys = attnlim::UniformKeys{3};
  spec.n = attnlim::KeyCount::from_log(160.0 * std::log(10.0));
  spec.betas = {1.0};
  spec.top_k = 1;
  EXPECT_THROW(order->run(spec, attnlim::WorkRange::all_keys(spec, 2)), attnlim::InputError);
  spec.keys = attnlim::UniformKeys{128};
  spec.n = attnlim::KeyCount::from_log(290.0 * std::log(10.0));
  const Sample s = run(*order, spec, 20);
  const attnlim::theory::Subcritical th = attnlim::theory::subcritical(128, 1.0, spec.n.value());
  EXPECT_NEAR(moments(s.values[0][index_of(Observable::ipr)]).mean / th.ipr, 1.0, 1e-3);
}

}  // namespace
