// Two trial states that must be the same up to rounding (a different chunking, key split or accelerated
// loop): count, minimum and top-k identical; sums and the weighted key sum to 1e-12 relative. Or bitwise the
// same (expect_identical: a round trip through bytes, a shortcut that must change no bit).
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "attnlim/state/trial_state.hpp"

namespace attnlim_test {

inline void expect_same_but_rounding(const attnlim::TrialState& got, const attnlim::TrialState& want) {
  EXPECT_EQ(got.count, want.count);
  EXPECT_EQ(got.min_distance, want.min_distance);
  EXPECT_EQ(got.top_index, want.top_index);
  EXPECT_EQ(got.top_distance, want.top_distance);
  ASSERT_EQ(got.num_betas(), want.num_betas());
  for (int b = 0; b < want.num_betas(); ++b) {
    EXPECT_NEAR(got.s0[b] / want.s0[b], 1.0, 1e-12) << "beta " << b;
    EXPECT_NEAR(got.s1[b], want.s1[b], 1e-12 * want.s0[b]) << "beta " << b;  // s1 may be 0 (beta = 0 is not)
    EXPECT_NEAR(got.s2[b] / want.s2[b], 1.0, 1e-12) << "beta " << b;
  }
  ASSERT_EQ(got.vec.size(), want.vec.size());
  for (std::size_t j = 0; j < want.vec.size(); ++j)
    EXPECT_NEAR(got.vec[j], want.vec[j], 1e-12 * (std::fabs(want.vec[j]) + 1.0)) << "vec " << j;
}

// The bits of each double (+0 and -0 differ, a NaN equals the same NaN).
inline std::vector<std::uint64_t> bits_of(const std::vector<double>& x) {
  std::vector<std::uint64_t> out(x.size());
  if (!x.empty()) std::memcpy(out.data(), x.data(), x.size() * sizeof(double));
  return out;
}
inline std::uint64_t bits_of(double x) {
  std::uint64_t out;
  std::memcpy(&out, &x, sizeof out);
  return out;
}

// Every field bitwise.
inline void expect_identical(const attnlim::TrialState& a, const attnlim::TrialState& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(bits_of(a.min_distance), bits_of(b.min_distance));
  EXPECT_EQ(bits_of(a.s0), bits_of(b.s0));
  EXPECT_EQ(bits_of(a.s1), bits_of(b.s1));
  EXPECT_EQ(bits_of(a.s2), bits_of(b.s2));
  EXPECT_EQ(bits_of(a.vec), bits_of(b.vec));
  EXPECT_EQ(a.tangent_dim, b.tangent_dim);
  EXPECT_EQ(a.top_k, b.top_k);
  EXPECT_EQ(a.top_size, b.top_size);
  EXPECT_EQ(a.indexed, b.indexed);
  EXPECT_EQ(bits_of(a.log_distance_scale), bits_of(b.log_distance_scale));
  EXPECT_EQ(a.exact_keys, b.exact_keys);
  EXPECT_EQ(bits_of(a.bulk_error_bound), bits_of(b.bulk_error_bound));
  for (int i = 0; i < a.top_size; ++i) {
    EXPECT_EQ(bits_of(a.top_distance[i]), bits_of(b.top_distance[i]));
    if (a.indexed) EXPECT_EQ(a.top_index[i], b.top_index[i]);
  }
}

}  // namespace attnlim_test
