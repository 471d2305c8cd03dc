// Uniform keys' samplers (keys/uniform.hpp) against the normals they are made of.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attnlim/keys/tiers.hpp"
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

// uniform_key_distance_products (the accelerators' one log per product of up to 16 middle-pair uniforms, the
// GPU's DeviceAccelerator and the CPU's AVX2 batch) against uniform_key: within 1e-12 relative (the bound is
// 2.2e-13 plus a few ulps of the logs, keys/uniform.hpp; the engines recompute keys within kAcceleratorMargin =
// 1e-11 of the minimum or the k-th nearest), bitwise where no product of two uniforms forms (d < 6), and a
// different rounding for over 1% of keys from d = 6 on (so the products are formed: one group up to d = 35;
// several at d = 128 and 129, where the last group is partial).
TEST(Sampler, ProductDistanceIsWithinTheMarginOfTheSampler) {
  for (int d : {2, 3, 4, 5, 6, 7, 8, 16, 33, 128, 129}) {
    const std::uint64_t n = d >= 128 ? 20000 : 100000;
    double worst = 0.0;
    std::uint64_t differ = 0;
    for (std::uint64_t key = 0; key < n; ++key) {
      const KeyStream stream{77, 4, (std::uint64_t{1} << 32) - 1000 + key};
      const double product = uniform_key_distance_products(stream, d), exact = uniform_key(stream, d, nullptr);
      if (d < 6) ASSERT_EQ(product, exact) << "d=" << d << " key " << stream.key;
      differ += product != exact;
      worst = std::max(worst, std::fabs(product - exact) / exact);
    }
    EXPECT_LE(worst, 1e-12) << "d=" << d;
    if (uniform_products_formed(d)) EXPECT_GT(differ, n / 100) << "d=" << d << ": the products are not formed";
    std::printf("d=%d: max relative difference %.3g, %llu of %llu keys differ\n", d, worst,
                static_cast<unsigned long long>(differ), static_cast<unsigned long long>(n));
  }
}

// The engines' one rule for an accelerated distance (keys/tiers.hpp): it serves only beyond the margin (1e-11
// relative) of both bounds; a NaN never serves; k = 0 ignores the k-th; an unknown bound (infinity) lets nothing
// serve.
TEST(Sampler, AcceleratedDistanceServesOnlyBeyondTheMargin) {
  const double m = 0.25, t = 0.5, inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(accelerated_distance_serves(t * (1 + 2e-11), m, 8, t));
  EXPECT_FALSE(accelerated_distance_serves(t * (1 + 0.5e-11), m, 8, t));  // inside the margin of the k-th
  EXPECT_FALSE(accelerated_distance_serves(t, m, 8, t));
  EXPECT_FALSE(accelerated_distance_serves(t * (1 - 1e-12), m, 8, t));
  EXPECT_FALSE(accelerated_distance_serves(m * (1 + 2e-11), m, 8, t));  // beyond the minimum, not the k-th
  EXPECT_TRUE(accelerated_distance_serves(m * (1 + 2e-11), m, 0, t));   // k = 0: the minimum alone
  EXPECT_FALSE(accelerated_distance_serves(m * (1 + 0.5e-11), m, 0, t));
  EXPECT_FALSE(accelerated_distance_serves(std::numeric_limits<double>::quiet_NaN(), m, 0, t));
  EXPECT_FALSE(accelerated_distance_serves(1.0, inf, 0, t));  // no minimum yet
  EXPECT_FALSE(accelerated_distance_serves(1.0, m, 8, inf));  // fewer than k keys yet
  EXPECT_TRUE(accelerated_distance_serves(3e-300, 0.0, 0, inf));  // the absolute floor at a minimum of 0
  EXPECT_FALSE(accelerated_distance_serves(0.5e-300, 0.0, 0, inf));
}
