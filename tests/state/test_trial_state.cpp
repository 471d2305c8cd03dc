// The mergeable per-trial state (softmax sums, weighted key sum, top-k) against direct computations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "attnlim/state/trial_state.hpp"

using namespace attnlim;

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
