// Uniform keys' samplers (keys/uniform.hpp) against the normals they are made of.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "attnlim/keys/uniform.hpp"
#include "support/reference_distance.hpp"

using namespace attnlim;
using attnlim_test::reference_distance;

// uniform_key sums the middle pairs' squared radii r_p^2 = -2 log U_p instead of z_{2p}^2 + z_{2p+1}^2:
// against E from all d normals of the key (normals4, summed in long double), the same to ~1e-15
// relative, for every layout of pairs (d = 2: pair 0 only; d = 3: pair 0 + a lone last coordinate;
// d = 4: one middle pair; d = 7, 16, 128: several, odd and even).
TEST(Sampler, FullKeyMatchesItsNormalsAndFarSide) {
  for (int d : {2, 3, 4, 7, 16, 128}) {
    const int blocks = full_key_blocks(d);
    std::vector<double> tangential(d - 1), z(4 * blocks);
    double worst = 0.0;
    for (std::uint64_t key = 0; key < 1000; ++key) {
      const double e = uniform_key(KeyStream{9, 2, key}, d, tangential.data());
      EXPECT_EQ(e, uniform_key(KeyStream{9, 2, key}, d, nullptr)) << "E must not depend on the tangential output";
      for (int b = 0; b < blocks; ++b) normals4(key_block(9, 2, key, b), z.data() + 4 * b);
      long double perp_sq = 0, r2 = (long double)z[0] * z[0];
      for (int j = 1; j < d; ++j) perp_sq += (long double)z[j] * z[j];
      r2 += perp_sq;
      const long double ref = reference_distance(z[0], perp_sq);
      worst = std::max(worst, std::abs(e / static_cast<double>(ref) - 1.0));
      for (int j = 1; j < d; ++j) ASSERT_NEAR(tangential[j - 1], z[j] / std::sqrt((double)r2), 1e-15) << "d=" << d;
    }
    EXPECT_LE(worst, 1e-14) << "d=" << d;
  }
}
