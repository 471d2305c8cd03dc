// The engine seam: KeyCount, RunSpec/WorkRange validation naming fields, make_engine, refusals, and work
// split by keys as well as by trials (the pieces merge to the whole).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/stop.hpp"
#include "attnlim/engine/engine.hpp"
#include "support/same_state.hpp"
#include "support/sim.hpp"

using namespace attnlim;
using attnlim_test::Sim;

namespace {

std::string field_of_refusal(const std::function<void()>& call) {
  try {
    call();
  } catch (const InputError& e) {
    return e.field();
  }
  return "accepted";
}

Sim small_sim(SamplerTier tier, bool vector) {
  Sim c;
  c.d = 6;
  c.n = 30011;
  c.trials = 3;
  c.betas = {0.0, 4.0, 300.0, 1e5};
  c.top_k = 12;
  c.seed = 505;
  c.sampler = tier;
  c.output_vector = vector;
  c.chunk_keys = 4096;
  return c;
}

}  // namespace

TEST(KeyCount, ExactAndLogHeld) {
  const KeyCount n = KeyCount::exact(1000000);
  EXPECT_TRUE(n.is_exact());
  EXPECT_EQ(n.count(), 1000000u);
  EXPECT_EQ(n.log(), std::log(1e6));
  EXPECT_EQ(n.value(), 1e6);
  EXPECT_EQ(n.text(), "1000000");
  const KeyCount huge = KeyCount::from_log(5000 * std::log(10.0));  // n = 1e5000
  EXPECT_FALSE(huge.is_exact());
  EXPECT_THROW(huge.count(), std::logic_error);
  EXPECT_EQ(huge.value(), std::numeric_limits<double>::infinity());
  EXPECT_NEAR(huge.log(), 11512.925, 1e-3);
}

TEST(RunSpec, ValidationNamesTheField) {
  const Sim base = small_sim(SamplerTier::full, false);
  const auto refused = [&](auto&& change) {
    return field_of_refusal([&] {
      RunSpec s = base.spec();
      WorkRange r = base.range();
      change(s, r);
      validate(s, r);
    });
  };
  EXPECT_EQ(refused([](RunSpec&, WorkRange&) {}), "accepted");
  EXPECT_EQ(refused([](RunSpec& s, WorkRange&) { s.keys = UniformKeys{1}; }), "d");
  EXPECT_EQ(refused([](RunSpec& s, WorkRange&) { s.top_k = 65; }), "top_k");
  EXPECT_EQ(refused([](RunSpec& s, WorkRange&) { s.n = KeyCount::exact(5); }), "top_k");  // k = 12 > n
  EXPECT_EQ(refused([](RunSpec& s, WorkRange&) { s.n = KeyCount::exact(0); }), "n");
  EXPECT_EQ(refused([](RunSpec& s, WorkRange&) { s.betas.clear(); }), "beta");
  EXPECT_EQ(refused([](RunSpec& s, WorkRange&) { s.betas.push_back(-1.0); }), "beta");
  EXPECT_EQ(refused([](RunSpec& s, WorkRange&) { s.tier = SamplerTier::projected, s.output_vector = true; }), "sampler");
  EXPECT_EQ(refused([](RunSpec&, WorkRange& r) { r.trials = 0; }), "trials");
  EXPECT_EQ(refused([](RunSpec&, WorkRange& r) { r.first_trial = std::uint64_t{1} << 32; }), "trials");
  EXPECT_EQ(refused([](RunSpec&, WorkRange& r) { r.key_end = r.key_begin; }), "n");
  EXPECT_EQ(refused([](RunSpec& s, WorkRange& r) { r.key_end = s.n.count() + 1; }), "n");
}

TEST(Engine, CpuEngineDescribesItselfAndRefusesWhatItCannotRun) {
  EngineOptions options;
  options.threads = 2;
  const auto engine = make_engine(EngineChoice::cpu, options);
  EXPECT_EQ(engine->name(), "cpu");
  EXPECT_EQ(engine->device(), "2 OpenMP threads");
  EXPECT_FALSE(engine->accelerator());
  RunSpec spec = small_sim(SamplerTier::projected, false).spec();
  EXPECT_TRUE(engine->supports(spec));
  spec.n = KeyCount::from_log(300.0);  // the order-statistics tier's n: no per-key engine can run it
  std::string why;
  EXPECT_FALSE(engine->supports(spec, &why));
  EXPECT_NE(why.find("exact count"), std::string::npos) << why;
  EXPECT_EQ(field_of_refusal([&] { engine->run(spec, WorkRange{0, 1, 0, 10}); }), "n");
  EXPECT_EQ(field_of_refusal([] { make_engine(EngineChoice::cpu, EngineOptions{-1, 1}); }), "threads");
  EXPECT_EQ(field_of_refusal([] { make_engine(EngineChoice::cpu, EngineOptions{0, 0}); }), "chunk");
  EXPECT_EQ(field_of_refusal([] { parse_engine_choice("gpu"); }), "backend");
  std::string no_gpu;
  if (!engine_available(EngineChoice::cuda, &no_gpu)) {
    EXPECT_FALSE(no_gpu.empty());
    EXPECT_EQ(field_of_refusal([] { make_engine(EngineChoice::cuda); }), "backend");
    EXPECT_EQ(make_engine(EngineChoice::automatic)->name(), "cpu");
  }
}

// A trial split into key ranges, each run on its own and merged in key order, equals the whole run: top-k
// and minimum identical, sums to rounding. This is what lets MPI ranks share one trial's keys.
TEST(Engine, KeyRangesMergeToTheWholeTrial) {
  for (SamplerTier tier : {SamplerTier::full, SamplerTier::projected}) {
    const Sim c = small_sim(tier, tier == SamplerTier::full);
    const RunSpec spec = c.spec();
    const auto engine = make_engine(EngineChoice::cpu, c.options());
    const std::vector<TrialState> whole = engine->run(spec, c.range());
    const std::uint64_t cuts[] = {0, 1, 9999, 10000, 21000, c.n};  // uneven pieces, one of a single key
    std::vector<TrialState> merged(c.trials, TrialState(static_cast<int>(c.betas.size()), spec.tangent_dim(), c.top_k));
    for (std::size_t i = 0; i + 1 < std::size(cuts); ++i) {
      const std::vector<TrialState> part = engine->run(spec, WorkRange{0, c.trials, cuts[i], cuts[i + 1]});
      for (std::uint64_t t = 0; t < c.trials; ++t) merged[t].merge(part[t], spec.betas.data());
    }
    for (std::uint64_t t = 0; t < c.trials; ++t) {
      SCOPED_TRACE(std::string(sampler_name(tier)) + " trial " + std::to_string(t));
      attnlim_test::expect_same_but_rounding(merged[t], whole[t]);
    }
  }
}

// The block loop that dispatch picks (the AVX2 accelerator where it runs) against the model's generic loop:
// identical top-k and minimum, sums to rounding.
TEST(Engine, AcceleratedBlocksMatchTheGenericKeyLoop) {
  for (int d : {2, 3, 7, 16})
    for (SamplerTier tier : {SamplerTier::full, SamplerTier::projected}) {
      Sim c = small_sim(tier, tier == SamplerTier::full);
      c.d = d;
      const RunSpec spec = c.spec();
      const TrialState fast = cpu::run_block(spec, 7, 1000, 21000);
      const TrialState reference = cpu::run_block_reference(spec, 7, 1000, 21000);
      SCOPED_TRACE("d=" + std::to_string(d) + " " + sampler_name(tier));
      EXPECT_EQ(fast.count, 20000u);
      attnlim_test::expect_same_but_rounding(fast, reference);
    }
}

// A stop request (SIGINT in the CLI, KeyboardInterrupt in Python) makes a run throw Interrupted with the
// reason, from the engine itself; the progress callback hears keys done between blocks.
TEST(Engine, StopsWhenAskedAndReportsKeysDone) {
  Sim c = small_sim(SamplerTier::projected, false);
  c.chunk_keys = 1000;
  const auto engine = make_engine(EngineChoice::cpu, c.options());
  std::vector<double> reported;
  engine->run(c.spec(), c.range(), [&](double keys) { reported.push_back(keys); });
  ASSERT_FALSE(reported.empty());
  EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
  EXPECT_EQ(reported.back(), static_cast<double>(c.n * c.trials));
  request_stop(2);
  try {
    engine->run(c.spec(), c.range());
    ADD_FAILURE() << "a run asked to stop ran";
  } catch (const Interrupted& e) {
    EXPECT_EQ(e.signal(), 2);
  }
  clear_stop();
  EXPECT_NO_THROW(engine->run(c.spec(), c.range()));
}
