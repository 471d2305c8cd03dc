// Core primitives: Philox known answers, cancellation-free distance, mergeable state, top-k.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "attnlim/core/philox.hpp"
#include "attnlim/keys/uniform.hpp"
#include "attnlim/state/trial_state.hpp"
#include "attnlim/analysis/statistics.hpp"

using namespace attnlim;

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

// E = 1 - cos(theta) = 2 sin^2(theta/2) in long double: an independent route with no cancellation.
static long double reference_distance(long double g1, long double perp_sq) {
  const long double theta = std::atan2(std::sqrt(perp_sq), g1);
  const long double s = std::sin(theta / 2);
  return 2 * s * s;
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

// sample_full_key sums the middle pairs' squared radii r_p^2 = -2 log U_p instead of z_{2p}^2 + z_{2p+1}^2:
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

// ---- mergeable state -------------------------------------------------------------------------

struct Reference {
  double m;
  std::vector<double> s0, s1, s2;
};

static Reference two_pass(const std::vector<double>& e, const std::vector<double>& betas) {
  Reference r{*std::min_element(e.begin(), e.end()), {}, {}, {}};
  for (double beta : betas) {
    double a = 0, b = 0, c = 0;
    for (double x : e) {
      const double t = std::exp(-beta * (x - r.m));
      a += t, b += t * (x - r.m), c += t * t;
    }
    r.s0.push_back(a), r.s1.push_back(b), r.s2.push_back(c);
  }
  return r;
}

static std::vector<double> random_distances(int count, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 2.0);
  std::vector<double> e(count);
  for (auto& x : e) x = u(rng) * u(rng) * u(rng) / 4;  // many small distances
  return e;
}

static void expect_rel(double a, double b, double tol) {
  if (b == 0) {
    EXPECT_EQ(a, 0.0);
  } else {
    EXPECT_NEAR(a / b, 1.0, tol) << a << " vs " << b;
  }
}

TEST(State, EqualsTwoPassReference) {
  const std::vector<double> betas = {0.0, 1.0, 37.5, 1e3, 1e6};
  const auto e = random_distances(5000, 1);
  TrialState st(static_cast<int>(betas.size()), 0, 8);
  for (std::size_t i = 0; i < e.size(); ++i) st.add_key(e[i], nullptr, i, betas.data());
  const Reference ref = two_pass(e, betas);
  EXPECT_EQ(st.min_distance, ref.m);
  EXPECT_EQ(st.count, e.size());
  for (std::size_t b = 0; b < betas.size(); ++b) {
    expect_rel(st.s0[b], ref.s0[b], 1e-12);
    expect_rel(st.s1[b], ref.s1[b], 1e-12);
    expect_rel(st.s2[b], ref.s2[b], 1e-12);
  }
  EXPECT_EQ(st.s0[0], 5000.0);  // beta = 0: every weight is exactly 1/n
}

TEST(State, MergeIsAssociativeAndMatchesOneStream) {
  const std::vector<double> betas = {0.0, 2.0, 500.0, 1e5};
  const int nb = static_cast<int>(betas.size()), dim = 3;
  const auto e = random_distances(3000, 2);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  std::vector<std::vector<double>> dirs(e.size(), std::vector<double>(dim));
  for (auto& v : dirs)
    for (auto& x : v) x = normal(rng);
  auto make = [&](std::size_t lo, std::size_t hi) {
    TrialState s(nb, dim, 16);
    for (std::size_t i = lo; i < hi; ++i) s.add_key(e[i], dirs[i].data(), i, betas.data());
    return s;
  };
  const TrialState whole = make(0, e.size());
  TrialState left = make(0, 1000), mid = make(1000, 2200), right = make(2200, e.size());
  TrialState ab = left;
  ab.merge(mid, betas.data());
  ab.merge(right, betas.data());  // (A + B) + C
  TrialState bc = mid;
  bc.merge(right, betas.data());
  TrialState a_bc = left;
  a_bc.merge(bc, betas.data());  // A + (B + C)
  TrialState empty(nb, dim, 16);
  empty.merge(whole, betas.data());  // identity element
  for (const TrialState* s : {&ab, &a_bc, &empty}) {
    EXPECT_EQ(s->count, whole.count);
    EXPECT_EQ(s->min_distance, whole.min_distance);
    for (int b = 0; b < nb; ++b) {
      expect_rel(s->s0[b], whole.s0[b], 1e-12);
      expect_rel(s->s1[b], whole.s1[b], 1e-12);
      expect_rel(s->s2[b], whole.s2[b], 1e-12);
      for (int j = 0; j < dim; ++j) EXPECT_NEAR(s->vec[b * dim + j], whole.vec[b * dim + j], 1e-12 * whole.s0[b]);
    }
    EXPECT_EQ(s->top_index, whole.top_index);
    EXPECT_EQ(s->top_distance, whole.top_distance);
  }
  // Weighted direction sum against a direct two-pass computation at beta = 2.
  for (int j = 0; j < dim; ++j) {
    double v = 0;
    for (std::size_t i = 0; i < e.size(); ++i) v += std::exp(-2.0 * (e[i] - whole.min_distance)) * dirs[i][j];
    EXPECT_NEAR(whole.vec[1 * dim + j], v, 1e-12 * whole.s0[1]);
  }
}

TEST(TopK, MatchesPartialSortIncludingTies) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> coarse(0, 50);  // many exact ties: order by index breaks them
  for (int k : {1, 5, 64}) {
    std::vector<std::pair<double, std::uint64_t>> keys;
    std::vector<double> dist(k);
    std::vector<std::uint64_t> index(k);
    int size = 0;
    for (std::uint64_t i = 0; i < 2000; ++i) {
      const double e = coarse(rng) * 0.01;
      keys.push_back({e, i});
      topk_insert(dist.data(), index.data(), size, k, e, i);
    }
    std::partial_sort(keys.begin(), keys.begin() + k, keys.end());
    ASSERT_EQ(size, k);
    for (int j = 0; j < k; ++j) {
      EXPECT_EQ(dist[j], keys[j].first);
      EXPECT_EQ(index[j], keys[j].second);
    }
  }
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
