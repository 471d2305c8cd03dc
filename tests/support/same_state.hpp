// Two trial states that must be the same up to rounding (a different chunking, key split or accelerated
// loop): count, minimum and top-k identical; sums and the weighted key sum to 1e-12 relative.
#pragma once
#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace attnlim_test
