// Core primitives: Philox known answers and counter layout, uniform and exponential variates, the
// cancellation-free distance of the query frame.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "attnlim/analysis/statistics.hpp"
#include "attnlim/core/frame.hpp"
#include "attnlim/core/philox.hpp"
#include "attnlim/core/variates.hpp"
#include "support/reference_distance.hpp"

using namespace attnlim;
using attnlim_test::reference_distance;

// Known-answer vectors published with Random123 (kat_vectors, "philox4x32 10"): counter, key, output.
TEST(Philox, Random123KnownAnswers) {
  struct Kat {
    std::uint32_t ctr[4], key[2], out[4];
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    const Philox4 r = philox4x32_10(k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3], k.key[0], k.key[1]);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(r.v[i], k.out[i]) << "word " << i;
  }
}

TEST(Philox, CounterLayoutIsKeyIndexTrialDraw) {
  const std::uint64_t seed = 0x0123456789abcdefULL, key = 0xfedcba9876543210ULL;
  const Philox4 a = key_block(seed, 7, key, 3);
  const Philox4 b = philox4x32_10(0x76543210u, 0xfedcba98u, 7, 3, 0x89abcdefu, 0x01234567u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.v[i], b.v[i]);
}

TEST(Sampler, UniformIsOpenAndNormalsHaveUnitVariance) {
  EXPECT_GT(uniform_open(0), 0.0);
  EXPECT_LT(uniform_open(0xffffffffu), 1.0);
  double sum = 0, sum_sq = 0;
  const int count = 200000;
  for (int i = 0; i < count / 4; ++i) {
    double z[4];
    normals4(key_block(5, 0, i, 0), z);
    for (double v : z) sum += v, sum_sq += v * v;
  }
  const double mean = sum / count, var = sum_sq / count - mean * mean;
  EXPECT_NEAR(mean, 0.0, 4.0 / std::sqrt(count));
  EXPECT_NEAR(var, 1.0, 4.0 * std::sqrt(2.0 / count));
}

TEST(Sampler, DistanceKeepsFullRelativePrecisionNearTheQuery) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal;
  for (double scale : {1e-3, 1e-6, 1e-9, 1e-12}) {
    for (int rep = 0; rep < 100; ++rep) {
      const double g1 = std::abs(normal(rng)) + 0.1;
      double perp_sq = 0;
      for (int j = 0; j < 4; ++j) {
        const double z = scale * normal(rng);
        perp_sq += z * z;
      }
      const double e = distance_from_parts(g1, perp_sq);
      const long double ref = reference_distance(g1, perp_sq);
      EXPECT_NEAR(e / static_cast<double>(ref), 1.0, 4e-15) << "E = " << e;
      EXPECT_LT(ref, 1e3l * scale * scale);  // really near the query
    }
  }
  // The naive route 1 - g1/R loses every digit at E ~ 1e-13: this is what the formula avoids.
  const double g1 = 1.0, perp_sq = 2e-13;
  const double naive = 1.0 - g1 / std::sqrt(g1 * g1 + perp_sq);
  EXPECT_GT(std::abs(naive / static_cast<double>(reference_distance(g1, perp_sq)) - 1.0), 1e-4);
  EXPECT_NEAR(distance_from_parts(g1, perp_sq) / static_cast<double>(reference_distance(g1, perp_sq)), 1.0, 4e-15);
}


// The projected tier's exponentials resolve values far below 2^-33 (the floor of -log(U) with a
// 32-bit U), so chi^2 near 0 and hence tiny distances keep their law at n ~ 1e12 and beyond.
TEST(Sampler, Exponential64HasFullPrecisionNearZeroAndUnitMean) {
  const long double two64 = 18446744073709551616.0L;
  const std::pair<std::uint32_t, std::uint32_t> words[] = {{0, 0}, {0, 1}, {0, 12345}, {1, 0}, {0x10, 0xffffffff},
                                                           {0x7fffffff, 3}};
  for (const auto& [hi, lo] : words) {
    const long double v = ((long double)hi * 4294967296.0L + lo + 0.5L) / two64;
    const long double ref = -std::log1p(-v);
    EXPECT_NEAR(exponential64(hi, lo) / static_cast<double>(ref), 1.0, 1e-14) << hi << " " << lo;
  }
  EXPECT_LT(exponential64(0, 0), 1e-19);
  // Near V = 1 (large values, the far tail) double rounding of 1 - V limits precision to ~1e-10.
  EXPECT_NEAR(exponential64(0xfffffff0, 77) / static_cast<double>(-std::log1p(-((long double)0xfffffff0 * 4294967296.0L + 77.5L) / two64)),
              1.0, 1e-9);
  Moments m;
  for (std::uint64_t i = 0; i < 200000; ++i) {
    const Philox4 b = key_block(3, 1, i, 0);
    m.add(exponential64(b.v[0], b.v[1]));
  }
  EXPECT_NEAR(m.mean, 1.0, 4 * m.stderr_of_mean());
  EXPECT_NEAR(m.variance(), 1.0, 0.03);
}
