// UniformKeys' CPU accelerator: full-tier and distance-only distances of 8 keys at a time (avx2.hpp), with
// the scalar core lane by lane where AVX2 is missing. Decisions that could flip by libmvec's ulps
// (Marsaglia-Tsang's acceptance test) are checked against a margin; lanes near a boundary, rejected first
// attempts and keys with a tiny C are finished by the core functions (keys/uniform.hpp).
#include "attnlim/engine/uniform_batch.hpp"

#include <cmath>
#include <cstring>

#include "attnlim/core/softmax.hpp"
#include "attnlim/keys/uniform.hpp"
#include "avx2.hpp"

namespace attnlim::cpu {

namespace {

void full_batch_scalar(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e,
                       double* tangential) {
  for (int l = 0; l < kBatchKeys; ++l)
    e[l] = uniform_key(KeyStream{seed, trial, first + l}, d, tangential ? tangential + l * (d - 1) : nullptr);
}

void projected_batch_scalar(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e) {
  for (int l = 0; l < kBatchKeys; ++l) e[l] = uniform_distance(KeyStream{seed, trial, first + l}, d);
}

#if ATTNLIM_BATCH_AVX2
#pragma GCC push_options
#pragma GCC target("avx2")
using namespace avx2;

// Middle pairs enter E through products of up to kUniformProductFactors uniforms, one log each; the error bound
// and the guard (kUniformProductGuard) below which a key is recomputed by the core are keys/uniform.hpp's
// (uniform_key_distance_products is this batch's scalar twin).

// Lanes with C below the product guard are redone by the core (see kUniformProductGuard).
inline void guard_small_perp(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, int h,
                             __m256d perp, double* e) {
  if (!uniform_products_formed(d)) return;  // no product of two or more uniforms was formed
  const int middle_pairs = d / 2 - 1;
  const int small =
      _mm256_movemask_pd(_mm256_cmp_pd(perp, _mm256_set1_pd(kUniformProductGuard * middle_pairs), _CMP_LT_OQ));
  for (int l = 0; l < 4; ++l)
    if (small >> l & 1)
      e[4 * h + l] = uniform_key(KeyStream{seed, trial, first + static_cast<std::uint64_t>(4 * h + l)}, d, nullptr);
}

// Full-tier distances of 8 keys (uniform_key's E: pair 0, the middle pairs' r_p^2 through products of
// uniforms, the odd last coordinate), written so that the two halves' products and sums stay in registers.
void full_batch_distances_avx2(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e) {
  const KeySchedule ks = key_schedule(seed);
  const Counters ctr = key_counters(first);
  const int last_pair = (d - 1) / 2;  // pair of coordinate d - 1
  const bool odd_last = d % 2 != 0;   // the last pair has one coordinate (d - 1) only
  const __m256d one = _mm256_set1_pd(1.0), minus_two = _mm256_set1_pd(-2.0);
  __m256d g1_0 = _mm256_setzero_pd(), g1_1 = g1_0, first_0 = g1_0, first_1 = g1_0, last_0 = g1_0, last_1 = g1_0;
  __m256d prod_0 = one, prod_1 = one, sum_0 = _mm256_setzero_pd(), sum_1 = _mm256_setzero_pd();
  int factors = 0;
  const int blocks = full_key_blocks(d);
  for (int b = 0; b < blocks; ++b) {
    const Words8 w = philox8(ctr.lo, ctr.hi, trial, static_cast<std::uint32_t>(b), ks);
    for (int pair = 0; pair < 2; ++pair) {
      const int p = 2 * b + pair;
      if (p > last_pair) break;
      const __m256i radius_word = w.v[2 * pair], angle_word = w.v[2 * pair + 1];
      if (p == 0) {  // g_1 and z_1
        const __m256d r0 = bm_radius(half(radius_word, 0)), a0 = bm_turn(half(angle_word, 0));
        const __m256d r1 = bm_radius(half(radius_word, 1)), a1 = bm_turn(half(angle_word, 1));
        g1_0 = _mm256_mul_pd(r0, cospi4(a0));
        g1_1 = _mm256_mul_pd(r1, cospi4(a1));
        const __m256d z0 = _mm256_mul_pd(r0, sinpi4(a0)), z1 = _mm256_mul_pd(r1, sinpi4(a1));
        first_0 = _mm256_mul_pd(z0, z0);
        first_1 = _mm256_mul_pd(z1, z1);
      } else if (p == last_pair && odd_last) {  // coordinate d - 1 alone
        const __m256d z0 = _mm256_mul_pd(bm_radius(half(radius_word, 0)), cospi4(bm_turn(half(angle_word, 0))));
        const __m256d z1 = _mm256_mul_pd(bm_radius(half(radius_word, 1)), cospi4(bm_turn(half(angle_word, 1))));
        last_0 = _mm256_mul_pd(z0, z0);
        last_1 = _mm256_mul_pd(z1, z1);
      } else {  // a middle pair: r_p^2 only, through the product
        prod_0 = _mm256_mul_pd(prod_0, uniform_open4(half(radius_word, 0)));
        prod_1 = _mm256_mul_pd(prod_1, uniform_open4(half(radius_word, 1)));
        if (++factors == kUniformProductFactors) {
          sum_0 = _mm256_add_pd(sum_0, _mm256_mul_pd(minus_two, _ZGVdN4v_log(prod_0)));
          sum_1 = _mm256_add_pd(sum_1, _mm256_mul_pd(minus_two, _ZGVdN4v_log(prod_1)));
          prod_0 = prod_1 = one;
          factors = 0;
        }
      }
    }
  }
  if (factors > 0) {
    sum_0 = _mm256_add_pd(sum_0, _mm256_mul_pd(minus_two, _ZGVdN4v_log(prod_0)));
    sum_1 = _mm256_add_pd(sum_1, _mm256_mul_pd(minus_two, _ZGVdN4v_log(prod_1)));
  }
  const __m256d perp_0 = _mm256_add_pd(_mm256_add_pd(first_0, sum_0), last_0);
  const __m256d perp_1 = _mm256_add_pd(_mm256_add_pd(first_1, sum_1), last_1);
  __m256d radius;
  _mm256_storeu_pd(e, distance4(g1_0, perp_0, radius));
  _mm256_storeu_pd(e + 4, distance4(g1_1, perp_1, radius));
  guard_small_perp(seed, trial, first, d, 0, perp_0, e);
  guard_small_perp(seed, trial, first, d, 1, perp_1, e);
}

// With the tangential output: E exactly as without it (full_batch_distances_avx2, so E depends on the key
// only), and the coordinates from the same blocks' normals (normals_batch_avx2), scaled by 1/R.
void full_batch_avx2(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e,
                     double* tangential) {
  full_batch_distances_avx2(seed, trial, first, d, e);
  if (!tangential) return;
  const int tdim = d - 1;
  double norm_sq[kBatchKeys] = {};
  double z[4 * kBatchKeys];
  for (int b = 0; b < full_key_blocks(d); ++b) {
    normals8(seed, trial, first, static_cast<std::uint32_t>(b), z);
    for (int j = 0; j < 4 && 4 * b + j < d; ++j) {
      const int coord = 4 * b + j;
      for (int l = 0; l < kBatchKeys; ++l) {
        const double x = z[j * kBatchKeys + l];
        norm_sq[l] += x * x;
        if (coord > 0) tangential[l * tdim + coord - 1] = x;
      }
    }
  }
  for (int l = 0; l < kBatchKeys; ++l) {
    const double inv = 1.0 / std::sqrt(norm_sq[l]);
    for (int j = 0; j < tdim; ++j) tangential[l * tdim + j] *= inv;
  }
}

// A lane whose decision value a - b lies within this relative margin of 0 is redone by the core.
inline __m256d near_boundary(__m256d a, __m256d b) {
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFll));
  const __m256d diff = _mm256_and_pd(_mm256_sub_pd(a, b), abs_mask);
  const __m256d scale = _mm256_add_pd(_mm256_and_pd(a, abs_mask), _mm256_and_pd(b, abs_mask));
  return _mm256_cmp_pd(diff, _mm256_add_pd(_mm256_mul_pd(scale, _mm256_set1_pd(1e-11)), _mm256_set1_pd(1e-300)),
                       _CMP_LE_OQ);
}

void projected_batch_avx2(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e) {
  const KeySchedule ks = key_schedule(seed);
  const Counters ctr = key_counters(first);
  const Words8 w = philox8(ctr.lo, ctr.hi, trial, 0u, ks);
  if (d == 3) {
    for (int h = 0; h < 2; ++h)
      _mm256_storeu_pd(e + 4 * h, _mm256_mul_pd(_mm256_set1_pd(2.0), uniform64_4(half(w.v[0], h), half(w.v[1], h))));
    return;
  }
  if (d <= kProjectedExponentialMaxD) {
    const int k = (d - 1) / 2;
    const bool odd = (d - 1) % 2 != 0;
    Words8 more{};
    if (k >= 2) more = philox8(ctr.lo, ctr.hi, trial, 1u, ks);
    for (int h = 0; h < 2; ++h) {
      const __m256d radius = bm_radius(half(w.v[0], h));
      const __m256d turn = bm_turn(half(w.v[1], h));
      const __m256d g1 = _mm256_mul_pd(radius, cospi4(turn));
      __m256d exps = _mm256_setzero_pd();
      if (k >= 1) exps = _mm256_add_pd(exps, exponential64_4(half(w.v[2], h), half(w.v[3], h)));
      if (k >= 2) exps = _mm256_add_pd(exps, exponential64_4(half(more.v[0], h), half(more.v[1], h)));
      if (k >= 3) exps = _mm256_add_pd(exps, exponential64_4(half(more.v[2], h), half(more.v[3], h)));
      __m256d odd_term = _mm256_setzero_pd();
      if (odd) {
        const __m256d z = _mm256_mul_pd(radius, sinpi4(turn));
        odd_term = _mm256_mul_pd(z, z);
      }
      const __m256d perp = _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(2.0), exps), odd_term);
      __m256d r;
      _mm256_storeu_pd(e + 4 * h, distance4(g1, perp, r));
    }
    return;
  }
  // d > 7: 2 Gamma((d - 1)/2), Marsaglia-Tsang's first attempt (draw 1) in the batch.
  const double shape = 0.5 * (d - 1);
  const double dd = shape - 1.0 / 3.0;
  const double cc = 1.0 / std::sqrt(9.0 * dd);
  const Words8 att = philox8(ctr.lo, ctr.hi, trial, 1u, ks);
  const __m256d one = _mm256_set1_pd(1.0), vdd = _mm256_set1_pd(dd);
  for (int h = 0; h < 2; ++h) {
    const __m256d g1 = _mm256_mul_pd(bm_radius(half(w.v[0], h)), cospi4(bm_turn(half(w.v[1], h))));
    const __m256d x = _mm256_mul_pd(bm_radius(half(att.v[0], h)), cospi4(bm_turn(half(att.v[1], h))));
    const __m256d t = _mm256_add_pd(one, _mm256_mul_pd(_mm256_set1_pd(cc), x));
    const __m256d t_pos = _mm256_cmp_pd(t, _mm256_setzero_pd(), _CMP_GT_OQ);
    __m256d unsure = _mm256_cmp_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), t), _mm256_set1_pd(1e-9), _CMP_LE_OQ);
    // v in lanes with t <= 0 is replaced by 1 (those lanes are rejected): no NaN from log or sqrt.
    const __m256d v = _mm256_blendv_pd(one, _mm256_mul_pd(_mm256_mul_pd(t, t), t), t_pos);
    const __m256d u = uniform_open4(half(att.v[2], h));
    const __m256d x2 = _mm256_mul_pd(x, x);
    const __m256d squeeze = _mm256_sub_pd(one, _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.0331), x2), x2));
    const __m256d by_squeeze = _mm256_and_pd(t_pos, _mm256_cmp_pd(u, squeeze, _CMP_LT_OQ));
    unsure = _mm256_or_pd(unsure, near_boundary(u, squeeze));
    __m256d accept = by_squeeze;
    const __m256d need_log = _mm256_andnot_pd(by_squeeze, t_pos);
    if (_mm256_movemask_pd(need_log) != 0) {
      const __m256d lhs = _ZGVdN4v_log(u);
      const __m256d rhs = _mm256_add_pd(
          _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), x2), vdd), _mm256_mul_pd(vdd, v)),
          _mm256_mul_pd(vdd, _ZGVdN4v_log(v)));
      accept = _mm256_or_pd(accept, _mm256_and_pd(need_log, _mm256_cmp_pd(lhs, rhs, _CMP_LT_OQ)));
      unsure = _mm256_or_pd(unsure, _mm256_and_pd(need_log, near_boundary(lhs, rhs)));
    }
    const __m256d perp = _mm256_mul_pd(_mm256_set1_pd(2.0), _mm256_mul_pd(vdd, v));
    __m256d r;
    _mm256_storeu_pd(e + 4 * h, distance4(g1, perp, r));
    const int accepted = _mm256_movemask_pd(accept), uncertain = _mm256_movemask_pd(unsure);
    if (accepted == 0xF && uncertain == 0) continue;
    alignas(32) double g1s[4];
    _mm256_store_pd(g1s, g1);
    for (int l = 0; l < 4; ++l) {
      const std::uint64_t key = first + static_cast<std::uint64_t>(4 * h + l);
      if (uncertain >> l & 1) {
        e[4 * h + l] = uniform_distance(KeyStream{seed, trial, key}, d);
      } else if (!(accepted >> l & 1)) {  // first attempt rejected for sure: continue as the core does
        e[4 * h + l] = distance_from_parts(g1s[l], 2.0 * gamma_marsaglia_tsang(shape, KeyStream{seed, trial, key}, 2u));
      }
    }
  }
}

#pragma GCC pop_options
#endif  // ATTNLIM_BATCH_AVX2

}  // namespace

bool batch_simd_available() {
#if ATTNLIM_BATCH_AVX2
  static const bool ok = __builtin_cpu_supports("avx2");
  return ok;
#else
  return false;
#endif
}

void sample_full_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e,
                       double* tangential) {
#if ATTNLIM_BATCH_AVX2
  if (batch_simd_available()) return full_batch_avx2(seed, trial, first, d, e, tangential);
#endif
  full_batch_scalar(seed, trial, first, d, e, tangential);
}

void sample_projected_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e) {
#if ATTNLIM_BATCH_AVX2
  if (batch_simd_available()) return projected_batch_avx2(seed, trial, first, d, e);
#endif
  projected_batch_scalar(seed, trial, first, d, e);
}

}  // namespace attnlim::cpu
