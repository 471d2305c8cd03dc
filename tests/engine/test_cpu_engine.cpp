// CPU backend: independent of thread count (bitwise) and chunking (top-k exact, sums to rounding).
#include <gtest/gtest.h>

#include "support/same_state.hpp"
#include "support/sim.hpp"

#include "attnlim/engine/cpu_blocks.hpp"

using namespace attnlim;

static attnlim_test::Sim small_config() {
  attnlim_test::Sim c;
  c.d = 5;
  c.n = 20011;  // prime: no chunk size divides it
  c.trials = 6;
  c.betas = {0.0, 3.0, 250.0, 1e5};
  c.top_k = 10;
  c.seed = 77;
  c.output_vector = true;
  c.chunk_keys = 4096;
  return c;
}

TEST(CpuBackend, BitwiseIndependentOfThreadCount) {
  attnlim_test::Sim c = small_config();
  c.threads = 1;
  const auto one = attnlim_test::run_cpu(c);
  c.threads = 2;
  const auto two = attnlim_test::run_cpu(c);
  c.threads = 5;
  const auto five = attnlim_test::run_cpu(c);
  for (std::size_t t = 0; t < one.size(); ++t)
    for (const auto* other : {&two, &five}) {
      EXPECT_EQ(one[t].s0, (*other)[t].s0);
      EXPECT_EQ(one[t].s1, (*other)[t].s1);
      EXPECT_EQ(one[t].s2, (*other)[t].s2);
      EXPECT_EQ(one[t].vec, (*other)[t].vec);
      EXPECT_EQ(one[t].top_index, (*other)[t].top_index);
    }
}

TEST(CpuBackend, IndependentOfChunkSize) {
  attnlim_test::Sim c = small_config();
  const auto base = attnlim_test::run_cpu(c);
  for (std::uint64_t chunk : {1ull, 7ull, 1000ull, 1ull << 20}) {
    c.chunk_keys = chunk;
    const auto other = attnlim_test::run_cpu(c);
    for (std::size_t t = 0; t < base.size(); ++t) {
      SCOPED_TRACE("chunk " + std::to_string(chunk) + " trial " + std::to_string(t));
      attnlim_test::expect_same_but_rounding(other[t], base[t]);
    }
  }
}

TEST(CpuBackend, TrialsAreIndependentOfTheirBatch) {
  attnlim_test::Sim c = small_config();
  c.output_vector = false;
  const auto all = attnlim_test::run_cpu(c);
  c.first_trial = 4;
  c.trials = 2;
  const auto tail = attnlim_test::run_cpu(c);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].s0, all[4].s0);
  EXPECT_EQ(tail[1].top_index, all[5].top_index);
}

TEST(CpuBackend, TopKIsTheTrueNearestKeys) {
  attnlim_test::Sim c = small_config();
  c.n = 3000;
  c.trials = 1;
  c.output_vector = false;
  const auto st = attnlim_test::run_cpu(c)[0];
  std::vector<std::pair<double, std::uint64_t>> all;
  for (std::uint64_t i = 0; i < c.n; ++i) all.push_back({uniform_key(KeyStream{c.seed, 0, i}, c.d, nullptr), i});
  std::sort(all.begin(), all.end());
  for (int j = 0; j < c.top_k; ++j) {
    EXPECT_EQ(st.top_index[j], all[j].second);
    EXPECT_EQ(st.top_distance[j], all[j].first);
  }
  EXPECT_EQ(st.min_distance, all[0].first);
}
