// TrialState's bytes (MPI, Python) and the StateLayout shared by the CUDA buffers and the host unpack.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "attnlim/state/layout.hpp"
#include "attnlim/state/serialize.hpp"
#include "support/same_state.hpp"

using namespace attnlim;

namespace {

// A state with every part filled: sums, the weighted key sum, a partly filled top-k.
TrialState sample_state(int nb, int td, int k, unsigned seed, int keys) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 2.0);
  std::normal_distribution<double> z;
  std::vector<double> betas;
  for (int b = 0; b < nb; ++b) betas.push_back(b * 7.5);
  TrialState st(nb, td, k);
  std::vector<double> dir(td);
  for (int i = 0; i < keys; ++i) {
    for (double& x : dir) x = z(rng);
    st.add_key(u(rng), td ? dir.data() : nullptr, 1000u + 3u * i, betas.data());
  }
  return st;
}

}  // namespace

TEST(StateBytes, RoundTripIsExact) {
  const TrialState states[] = {sample_state(5, 3, 8, 1, 100), sample_state(1, 0, 0, 2, 10),
                               sample_state(64, 0, 64, 3, 40),  // top-k not full: 40 < 64
                               TrialState(3, 2, 4)};             // empty: count 0, min = infinity
  for (const TrialState& st : states) attnlim_test::expect_identical(from_bytes(to_bytes(st)), st);
  // A rank-only state (engines that never enumerate keys): no indices travel.
  TrialState ranks = sample_state(2, 0, 4, 4, 10);
  ranks.indexed = false;
  ranks.top_index.clear();
  ranks.log_distance_scale = 690.7755278982137;  // the order engine's fields: rescaled distances at n = 1e300
  ranks.exact_keys = 256;
  ranks.bulk_error_bound = 3.5e-4;
  const TrialState back = from_bytes(to_bytes(ranks));
  EXPECT_FALSE(back.indexed);
  EXPECT_TRUE(back.top_index.empty());
  attnlim_test::expect_identical(back, ranks);
  EXPECT_LT(to_bytes(ranks).size(), to_bytes(sample_state(2, 0, 4, 4, 10)).size());
}

TEST(StateBytes, ManyStatesRoundTrip) {
  std::vector<TrialState> many;
  for (unsigned i = 0; i < 5; ++i) many.push_back(sample_state(4, static_cast<int>(i % 3), 6, i, 20 + i));
  const std::vector<TrialState> back = states_from_bytes(to_bytes(many));
  ASSERT_EQ(back.size(), many.size());
  for (std::size_t i = 0; i < many.size(); ++i) attnlim_test::expect_identical(back[i], many[i]);
  EXPECT_TRUE(states_from_bytes(to_bytes(std::vector<TrialState>{})).empty());
}

TEST(StateBytes, DamagedBytesAreRefusedWithTheReason) {
  const std::string good = to_bytes(sample_state(3, 2, 5, 9, 30));
  const auto refusal = [](const std::string& bytes) {
    try {
      from_bytes(bytes);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_NE(refusal(bad_magic).find("bad magic"), std::string::npos);
  std::string other_version = good;
  other_version[4] = static_cast<char>(kStateFormatVersion + 1);
  EXPECT_NE(refusal(other_version).find("format version"), std::string::npos);
  for (std::size_t cut : {std::size_t{3}, std::size_t{20}, good.size() - 1})
    EXPECT_NE(refusal(good.substr(0, cut)).find("truncated"), std::string::npos) << cut;
  EXPECT_NE(refusal(good + "x").find("trailing"), std::string::npos);
  std::string huge_top = good;  // a top_size beyond top_k
  const std::size_t top_size_at = 4 + 4 + 4 * 4 + 8 + 8 + 3 * 8 + 8 * (3 * 3 + 3 * 2);
  huge_top[top_size_at] = 100;
  EXPECT_NE(refusal(huge_top).find("top_size"), std::string::npos);
}

// Packing states into flat buffers by StateLayout and unpacking them gives the states back: the layout
// the CUDA kernels write and the host reads is one definition.
TEST(StateLayout, UnpackReadsWhatTheLayoutPlaces) {
  const int nb = 4, td = 5, k = 3;  // sums (3 nb) and vec (nb td) of different sizes per state
  const StateLayout layout{nb, td, k};
  std::vector<TrialState> states;
  for (unsigned i = 0; i < 6; ++i) states.push_back(sample_state(nb, td, k, 20 + i, 3 + 2 * i));  // some not full
  const std::size_t n = states.size();
  std::vector<std::uint64_t> count(n), top_index(n * k);
  std::vector<double> min_distance(n), sums(n * layout.sums_per_state()), vec(n * layout.vec_per_state()),
      top_distance(n * k);
  std::vector<int> top_size(n);
  for (std::size_t s = 0; s < n; ++s) {
    const TrialState& st = states[s];
    count[s] = st.count;
    min_distance[s] = st.min_distance;
    for (int b = 0; b < nb; ++b) {
      sums[layout.s0(s, b)] = st.s0[b];
      sums[layout.s1(s, b)] = st.s1[b];
      sums[layout.s2(s, b)] = st.s2[b];
      for (int j = 0; j < td; ++j) vec[layout.vec(s, b) + j] = st.vec[b * td + j];
    }
    top_size[s] = st.top_size;
    for (int i = 0; i < k; ++i) {
      top_distance[layout.top(s) + i] = st.top_distance[i];
      top_index[layout.top(s) + i] = st.top_index[i];
    }
  }
  // Every slot of every buffer is used exactly once.
  EXPECT_EQ(layout.s2(n - 1, nb - 1) + 1, sums.size());
  EXPECT_EQ(layout.vec(n - 1, nb - 1) + td, vec.size());
  const StateBuffers buffers{count.data(), min_distance.data(), sums.data(), vec.data(),
                             top_distance.data(), top_index.data(), top_size.data()};
  for (std::size_t s = 0; s < n; ++s) attnlim_test::expect_identical(unpack_state(layout, buffers, s), states[s]);

  // The same arrays packed in one allocation (pack_states, the CUDA path's accumulators) for 7 states, of which
  // the first 6 are read back: the offsets tile the bytes without overlap, every array starts aligned, the size is
  // a whole number of 8-byte words (7 int top sizes end mid-word), and the bytes unpack to the same states;
  // empty_packed_states unpacks to empty states.
  const std::uint64_t capacity = 7;
  const PackedStates p = pack_states(layout, capacity);
  const std::uint64_t offsets[] = {p.count, p.min_distance, p.sums, p.vec, p.top_distance, p.top_index, p.top_size,
                                   p.bytes};
  const std::uint64_t sizes[] = {8 * capacity,     8 * capacity, 8 * capacity * layout.sums_per_state(),
                                 8 * capacity * layout.vec_per_state(), 8 * capacity * k, 8 * capacity * k,
                                 4 * capacity};
  for (int a = 0; a < 7; ++a) {
    if (a < 6) EXPECT_EQ(offsets[a] + sizes[a], offsets[a + 1]) << "array " << a;
    EXPECT_EQ(offsets[a] % 8, 0u) << "array " << a;
  }
  EXPECT_EQ(p.bytes, p.top_size + 4 * capacity + 4);  // padded to the word
  for (const StateLayout bare : {StateLayout{3, 0, 0}, StateLayout{1, 0, 1}}) {  // no vector, no top-k
    const PackedStates q = pack_states(bare, 5);
    EXPECT_EQ(q.bytes % 8, 0u);
    EXPECT_EQ(q.vec, q.top_distance);
    EXPECT_GE(q.bytes, q.top_size + 4 * 5);
  }
  std::vector<unsigned char> bytes(p.bytes, 0xab);
  const auto put = [&](std::uint64_t offset, const auto& values) {
    std::memcpy(bytes.data() + offset, values.data(), values.size() * sizeof(values[0]));
  };
  put(p.count, count);
  put(p.min_distance, min_distance);
  put(p.top_size, top_size);
  // The per-state arrays hold `capacity` states' slots: the first n as laid out above.
  put(p.sums, sums);
  put(p.vec, vec);
  put(p.top_distance, top_distance);
  put(p.top_index, top_index);
  const std::vector<TrialState> unpacked = unpack_packed_states(layout, capacity, bytes, n);
  ASSERT_EQ(unpacked.size(), n);
  for (std::size_t s = 0; s < n; ++s) attnlim_test::expect_identical(unpacked[s], states[s]);
  for (const TrialState& e : unpack_packed_states(layout, capacity, empty_packed_states(layout, capacity), capacity)) {
    EXPECT_EQ(e.count, 0u);
    EXPECT_EQ(e.min_distance, std::numeric_limits<double>::infinity());
    EXPECT_EQ(e.top_size, 0);
    for (int b = 0; b < nb; ++b) EXPECT_TRUE(e.s0[b] == 0.0 && e.s1[b] == 0.0 && e.s2[b] == 0.0);
    for (const double v : e.vec) EXPECT_EQ(v, 0.0);
  }
  EXPECT_THROW(unpack_packed_states(layout, capacity, bytes, capacity + 1), std::logic_error);
}
