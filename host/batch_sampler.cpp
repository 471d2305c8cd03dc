// Batched key sampling for the CPU backend (see include/attnlim/batch_sampler.hpp).
//
// Design: lanes = keys. Philox4x32-10 runs on 8 counters at once in AVX2 integer registers
// (vpmuludq on even/odd lanes: bit-identical). Each double expression of sampler.hpp is written out
// with the same operations in the same order (no FMA, no fast-math: this file enables AVX2 only, by
// target pragma, and calls libmvec's _ZGVdN4v_* directly), so the only differences from the scalar core
// are libmvec's log / log1p / sin / cos / exp against libm's (a few ulps each). Decisions that could
// flip by those ulps (Marsaglia-Tsang's acceptance test) are checked against a margin; lanes near a
// boundary, and rejected first attempts, are finished by the scalar core functions.
// The binary runs on any x86-64: AVX2 code is only entered after __builtin_cpu_supports("avx2").
#include "attnlim/batch_sampler.hpp"

#include <cmath>
#include <cstring>

#include "attnlim/sampler.hpp"
#include "attnlim/softmax_state.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#define ATTNLIM_BATCH_AVX2 1
#else
#define ATTNLIM_BATCH_AVX2 0
#endif

#if ATTNLIM_BATCH_AVX2
#include <immintrin.h>
#endif

namespace attnlim::cpu {

namespace {

// ---- scalar fallbacks (no AVX2): the core functions, lane by lane ----------------------------------

void full_batch_scalar(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e,
                       double* tangential) {
  for (int l = 0; l < kBatchKeys; ++l)
    e[l] = sample_full_key(seed, trial, first + l, d, tangential ? tangential + l * (d - 1) : nullptr);
}

void philox_batch_scalar(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw,
                         std::uint32_t* words) {
  for (int l = 0; l < kBatchKeys; ++l) {
    const Philox4 block = key_block(seed, trial, first + l, draw);
    for (int j = 0; j < 4; ++j) words[j * kBatchKeys + l] = block.v[j];
  }
}

void normals_batch_scalar(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw, double* z) {
  for (int l = 0; l < kBatchKeys; ++l) {
    double four[4];
    normals4(key_block(seed, trial, first + l, draw), four);
    for (int j = 0; j < 4; ++j) z[j * kBatchKeys + l] = four[j];
  }
}

void projected_batch_scalar(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e) {
  for (int l = 0; l < kBatchKeys; ++l) e[l] = sample_projected_key(seed, trial, first + l, d);
}

void beta_weights_scalar(const double* betas, int num_betas, double excess, double* t) {
  for (int b = 0; b < num_betas; ++b) {
    const double exponent = betas[b] * excess;
    t[b] = exponent > kExpUnderflow ? 0.0 : std::exp(-exponent);
  }
}

void accumulate_keys_scalar(const double* betas, int num_betas, const double* excess,
                            const double* const* tangential, int tangent_dim, int num_keys, double* s0, double* s1,
                            double* s2, double* vec) {
  for (int i = 0; i < num_keys; ++i)
    for (int b = 0; b < num_betas; ++b) {
      const double exponent = betas[b] * excess[i];
      if (exponent > kExpUnderflow) continue;
      const double t = std::exp(-exponent);
      s0[b] += t;
      s1[b] += t * excess[i];
      s2[b] += t * t;
      if (vec)
        for (int j = 0; j < tangent_dim; ++j) vec[b * tangent_dim + j] += t * tangential[i][j];
    }
}

}  // namespace

#if ATTNLIM_BATCH_AVX2

#pragma GCC push_options
#pragma GCC target("avx2")

extern "C" {
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);
__m256d _ZGVdN4v_sin(__m256d);
__m256d _ZGVdN4v_cos(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
}

namespace {

struct Words8 {
  __m256i v[4];
};

// 32x32 -> 64 multiply of 8 lanes by a constant: high and low words.
inline void mul_hi_lo(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
  const __m256i even = _mm256_mul_epu32(a, m);                         // lanes 0, 2, 4, 6 as 64-bit
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);  // lanes 1, 3, 5, 7
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

// The seed as Philox's two key words.
struct KeySchedule {
  std::uint32_t k0, k1;
};

inline KeySchedule key_schedule(std::uint64_t seed) {
  return KeySchedule{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
}

// philox4x32_10 on 8 counters (c0, c1 per lane; c2 = trial, c3 = draw shared).
inline Words8 philox8(__m256i c0, __m256i c1, std::uint32_t trial, std::uint32_t draw, const KeySchedule& ks) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(detail::kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(detail::kPhiloxM1));
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(trial)), c3 = _mm256_set1_epi32(static_cast<int>(draw));
  std::uint32_t k0 = ks.k0, k1 = ks.k1;
  for (int round = 0; round < 10; ++round) {
    __m256i hi0, lo0, hi1, lo1;
    mul_hi_lo(c0, m0, hi0, lo0);
    mul_hi_lo(c2, m1, hi1, lo1);
    const __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
    const __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += detail::kPhiloxW0;
    k1 += detail::kPhiloxW1;
  }
  return Words8{{c0, c1, c2, c3}};
}

struct Counters {
  __m256i lo, hi;
};

inline Counters key_counters(std::uint64_t first) {
  alignas(32) std::uint32_t lo[kBatchKeys], hi[kBatchKeys];
  for (int l = 0; l < kBatchKeys; ++l) {
    const std::uint64_t key = first + static_cast<std::uint64_t>(l);
    lo[l] = static_cast<std::uint32_t>(key);
    hi[l] = static_cast<std::uint32_t>(key >> 32);
  }
  return Counters{_mm256_load_si256(reinterpret_cast<const __m256i*>(lo)),
                  _mm256_load_si256(reinterpret_cast<const __m256i*>(hi))};
}

// Half h (lanes 4h .. 4h + 3) of 8 words as exact doubles x (0 <= x < 2^32): via int32 (AVX2 has no
// unsigned conversion), x = (int32)(x ^ 2^31) + 2^31.
inline __m128i half(__m256i w, int h) {
  return h == 0 ? _mm256_castsi256_si128(w) : _mm256_extracti128_si256(w, 1);
}
inline __m256d shifted_int(__m128i w) {
  return _mm256_cvtepi32_pd(_mm_xor_si128(w, _mm_set1_epi32(static_cast<int>(0x80000000u))));
}

// uniform_open: (x + 1/2) 2^-32, exact, as in sampler.hpp.
inline __m256d uniform_open4(__m128i w) {
  return _mm256_mul_pd(_mm256_add_pd(shifted_int(w), _mm256_set1_pd(2147483648.5)),
                       _mm256_set1_pd(2.3283064365386963e-10));
}

// uniform64: hi 2^-32 + (lo + 1/2) 2^-64 (both products exact; one rounding in the sum, as in the core).
inline __m256d uniform64_4(__m128i hi, __m128i lo) {
  const __m256d h = _mm256_mul_pd(_mm256_add_pd(shifted_int(hi), _mm256_set1_pd(2147483648.0)),
                                  _mm256_set1_pd(2.3283064365386963e-10));
  const __m256d l = _mm256_mul_pd(_mm256_add_pd(shifted_int(lo), _mm256_set1_pd(2147483648.5)),
                                  _mm256_set1_pd(5.421010862427522e-20));
  return _mm256_add_pd(h, l);
}

inline __m256d neg(__m256d x) { return _mm256_xor_pd(x, _mm256_set1_pd(-0.0)); }

// exponential64: -log1p(-V).
inline __m256d exponential64_4(__m128i hi, __m128i lo) { return neg(_ZGVdN4v_log1p(neg(uniform64_4(hi, lo)))); }

// box_muller: radius = sqrt(-2 log u0), angle = (2 u1) pi; z0 = radius cos, z1 = radius sin.
inline __m256d bm_radius(__m128i w0) {
  return _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), _ZGVdN4v_log(uniform_open4(w0))));
}
inline __m256d bm_angle(__m128i w1) {
  return _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(2.0), uniform_open4(w1)), _mm256_set1_pd(3.14159265358979323846));
}

// distance_from_parts, both branches then a select (the unused one is finite: radius > 0).
inline __m256d distance4(__m256d g1, __m256d perp_sq, __m256d& radius) {
  radius = _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(g1, g1), perp_sq));
  const __m256d pos = _mm256_div_pd(perp_sq, _mm256_mul_pd(radius, _mm256_add_pd(radius, g1)));
  const __m256d negative = _mm256_add_pd(_mm256_set1_pd(1.0), _mm256_div_pd(neg(g1), radius));
  const __m256d g1_pos = _mm256_cmp_pd(g1, _mm256_setzero_pd(), _CMP_GT_OQ);
  return _mm256_blendv_pd(negative, pos, g1_pos);
}

// Middle pairs (both coordinates tangential) enter E only through r_p^2 = -2 log U_p (sample_full_key).
// The batch multiplies up to kProductFactors of those U_p before one log: U_p >= 2^-33, so a product of
// 16 stays >= 2^-528, far from underflow, and the logs per key drop from d/2 to about d/32. The product
// carries at most (factors - 1) roundings of 2^-53 relative, i.e. an absolute error of at most ~1.1e-16
// per factor in log, 2.2e-16 per pair in C: relative to C >= kProductGuard x (number of middle pairs)
// that is <= 2.2e-13, plus the logs' few ulps -- far inside run_block's 1e-11 candidate margin. A lane
// with a smaller C (where that bound would not hold) is recomputed by the core function.
constexpr int kProductFactors = 16;
constexpr double kProductGuard = 1e-3;

// Lanes with C below the product guard are redone by the core (see kProductGuard).
inline void guard_small_perp(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, int h,
                             __m256d perp, double* e) {
  const int middle_pairs = d / 2 - 1;
  if (middle_pairs < 2) return;  // no product of two or more uniforms was formed
  const int small =
      _mm256_movemask_pd(_mm256_cmp_pd(perp, _mm256_set1_pd(kProductGuard * middle_pairs), _CMP_LT_OQ));
  for (int l = 0; l < 4; ++l)
    if (small >> l & 1)
      e[4 * h + l] = sample_full_key(seed, trial, first + static_cast<std::uint64_t>(4 * h + l), d);
}

// Full-tier distances of 8 keys (sample_full_key's E: pair 0, the middle pairs' r_p^2 through products of
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
        const __m256d r0 = bm_radius(half(radius_word, 0)), a0 = bm_angle(half(angle_word, 0));
        const __m256d r1 = bm_radius(half(radius_word, 1)), a1 = bm_angle(half(angle_word, 1));
        g1_0 = _mm256_mul_pd(r0, _ZGVdN4v_cos(a0));
        g1_1 = _mm256_mul_pd(r1, _ZGVdN4v_cos(a1));
        const __m256d z0 = _mm256_mul_pd(r0, _ZGVdN4v_sin(a0)), z1 = _mm256_mul_pd(r1, _ZGVdN4v_sin(a1));
        first_0 = _mm256_mul_pd(z0, z0);
        first_1 = _mm256_mul_pd(z1, z1);
      } else if (p == last_pair && odd_last) {  // coordinate d - 1 alone
        const __m256d z0 = _mm256_mul_pd(bm_radius(half(radius_word, 0)), _ZGVdN4v_cos(bm_angle(half(angle_word, 0))));
        const __m256d z1 = _mm256_mul_pd(bm_radius(half(radius_word, 1)), _ZGVdN4v_cos(bm_angle(half(angle_word, 1))));
        last_0 = _mm256_mul_pd(z0, z0);
        last_1 = _mm256_mul_pd(z1, z1);
      } else {  // a middle pair: r_p^2 only, through the product
        prod_0 = _mm256_mul_pd(prod_0, uniform_open4(half(radius_word, 0)));
        prod_1 = _mm256_mul_pd(prod_1, uniform_open4(half(radius_word, 1)));
        if (++factors == kProductFactors) {
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

void philox_batch_avx2(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw,
                       std::uint32_t* words) {
  const KeySchedule ks = key_schedule(seed);
  const Counters ctr = key_counters(first);
  const Words8 w = philox8(ctr.lo, ctr.hi, trial, draw, ks);
  for (int j = 0; j < 4; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + j * kBatchKeys), w.v[j]);
}

void normals_batch_avx2(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw, double* z) {
  const KeySchedule ks = key_schedule(seed);
  const Counters ctr = key_counters(first);
  const Words8 w = philox8(ctr.lo, ctr.hi, trial, draw, ks);
  for (int pair = 0; pair < 2; ++pair)
    for (int h = 0; h < 2; ++h) {
      const __m256d radius = bm_radius(half(w.v[2 * pair], h)), angle = bm_angle(half(w.v[2 * pair + 1], h));
      _mm256_storeu_pd(z + 2 * pair * kBatchKeys + 4 * h, _mm256_mul_pd(radius, _ZGVdN4v_cos(angle)));
      _mm256_storeu_pd(z + (2 * pair + 1) * kBatchKeys + 4 * h, _mm256_mul_pd(radius, _ZGVdN4v_sin(angle)));
    }
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
    normals_batch_avx2(seed, trial, first, static_cast<std::uint32_t>(b), z);
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
      const __m256d angle = bm_angle(half(w.v[1], h));
      const __m256d g1 = _mm256_mul_pd(radius, _ZGVdN4v_cos(angle));
      __m256d exps = _mm256_setzero_pd();
      if (k >= 1) exps = _mm256_add_pd(exps, exponential64_4(half(w.v[2], h), half(w.v[3], h)));
      if (k >= 2) exps = _mm256_add_pd(exps, exponential64_4(half(more.v[0], h), half(more.v[1], h)));
      if (k >= 3) exps = _mm256_add_pd(exps, exponential64_4(half(more.v[2], h), half(more.v[3], h)));
      __m256d odd_term = _mm256_setzero_pd();
      if (odd) {
        const __m256d z = _mm256_mul_pd(radius, _ZGVdN4v_sin(angle));
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
    const __m256d g1 = _mm256_mul_pd(bm_radius(half(w.v[0], h)), _ZGVdN4v_cos(bm_angle(half(w.v[1], h))));
    const __m256d x = _mm256_mul_pd(bm_radius(half(att.v[0], h)), _ZGVdN4v_cos(bm_angle(half(att.v[1], h))));
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
        e[4 * h + l] = sample_projected_key(seed, trial, key, d);
      } else if (!(accepted >> l & 1)) {  // first attempt rejected for sure: continue as the core does
        e[4 * h + l] = distance_from_parts(g1s[l], 2.0 * gamma_marsaglia_tsang(shape, seed, trial, key, 2u));
      }
    }
  }
}

// Weights of 4 betas for one excess: exp(-beta excess), 0 beyond kExpUnderflow.
inline __m256d weights4(__m256d beta, __m256d vexcess) {
  const __m256d exponent = _mm256_mul_pd(beta, vexcess);
  const __m256d keep = _mm256_cmp_pd(exponent, _mm256_set1_pd(kExpUnderflow), _CMP_LE_OQ);
  // libmvec's exp takes a slow scalar path beyond |x| ~ 708: clamp, then redo such lanes with libm.
  const __m256d arg = neg(_mm256_min_pd(exponent, _mm256_set1_pd(700.0)));
  __m256d t = _mm256_and_pd(keep, _ZGVdN4v_exp(arg));
  const int slow = _mm256_movemask_pd(
      _mm256_and_pd(keep, _mm256_cmp_pd(exponent, _mm256_set1_pd(700.0), _CMP_GT_OQ)));
  if (slow) {
    alignas(32) double ex[4], out[4];
    _mm256_store_pd(ex, exponent);
    _mm256_store_pd(out, t);
    for (int l = 0; l < 4; ++l)
      if (slow >> l & 1) out[l] = std::exp(-ex[l]);
    t = _mm256_load_pd(out);
  }
  return t;
}

inline __m256i lane_mask(int lanes) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(lanes), _mm256_setr_epi64x(0, 1, 2, 3));
}

void beta_weights_avx2(const double* betas, int num_betas, double excess, double* t) {
  const __m256d vexcess = _mm256_set1_pd(excess);
  for (int b0 = 0; b0 < num_betas; b0 += 4) {
    const __m256i mask = lane_mask(num_betas - b0);
    _mm256_maskstore_pd(t + b0, mask, weights4(_mm256_maskload_pd(betas + b0, mask), vexcess));
  }
}

// Beta chunks outside, keys inside: each chunk's sums stay in registers across the keys (a masked
// store followed by a masked load of the same address does not forward, which made the per-key order
// pay a store round trip per key). Per beta the additions are still in key order: the same numbers.
void accumulate_keys_avx2(const double* betas, int num_betas, const double* excess, const double* const* tangential,
                          int tangent_dim, int num_keys, double* s0, double* s1, double* s2, double* vec) {
  for (int b0 = 0; b0 < num_betas; b0 += 4) {
    const int lanes = num_betas - b0 < 4 ? num_betas - b0 : 4;
    const __m256i mask = lane_mask(lanes);
    const __m256d beta = _mm256_maskload_pd(betas + b0, mask);
    __m256d a0 = _mm256_maskload_pd(s0 + b0, mask), a1 = _mm256_maskload_pd(s1 + b0, mask),
            a2 = _mm256_maskload_pd(s2 + b0, mask);
    for (int i = 0; i < num_keys; ++i) {
      const __m256d vexcess = _mm256_set1_pd(excess[i]);
      const __m256d t = weights4(beta, vexcess);
      // t = 0 adds nothing (the sums are >= 0), exactly like accumulate_key's skip.
      a0 = _mm256_add_pd(a0, t);
      a1 = _mm256_add_pd(a1, _mm256_mul_pd(t, vexcess));
      a2 = _mm256_add_pd(a2, _mm256_mul_pd(t, t));
      if (vec) {
        alignas(32) double tb[4];
        _mm256_store_pd(tb, t);
        for (int l = 0; l < lanes; ++l) {
          if (tb[l] == 0.0) continue;
          double* v = vec + (b0 + l) * tangent_dim;
          const double* tg = tangential[i];
          for (int j = 0; j < tangent_dim; ++j) v[j] += tb[l] * tg[j];
        }
      }
    }
    _mm256_maskstore_pd(s0 + b0, mask, a0);
    _mm256_maskstore_pd(s1 + b0, mask, a1);
    _mm256_maskstore_pd(s2 + b0, mask, a2);
  }
}

}  // namespace

#pragma GCC pop_options

bool batch_simd_available() {
  static const bool ok = __builtin_cpu_supports("avx2");
  return ok;
}

void sample_full_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e,
                       double* tangential) {
  if (batch_simd_available())
    full_batch_avx2(seed, trial, first, d, e, tangential);
  else
    full_batch_scalar(seed, trial, first, d, e, tangential);
}

void philox_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw,
                  std::uint32_t* words) {
  if (batch_simd_available())
    philox_batch_avx2(seed, trial, first, draw, words);
  else
    philox_batch_scalar(seed, trial, first, draw, words);
}

void normals_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw, double* z) {
  if (batch_simd_available())
    normals_batch_avx2(seed, trial, first, draw, z);
  else
    normals_batch_scalar(seed, trial, first, draw, z);
}

void sample_projected_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e) {
  if (batch_simd_available())
    projected_batch_avx2(seed, trial, first, d, e);
  else
    projected_batch_scalar(seed, trial, first, d, e);
}

void beta_weights(const double* betas, int num_betas, double excess, double* t) {
  if (batch_simd_available())
    beta_weights_avx2(betas, num_betas, excess, t);
  else
    beta_weights_scalar(betas, num_betas, excess, t);
}

void accumulate_keys(const double* betas, int num_betas, const double* excess, const double* const* tangential,
                     int tangent_dim, int num_keys, double* s0, double* s1, double* s2, double* vec) {
  if (batch_simd_available())
    accumulate_keys_avx2(betas, num_betas, excess, tangential, tangent_dim, num_keys, s0, s1, s2, vec);
  else
    accumulate_keys_scalar(betas, num_betas, excess, tangential, tangent_dim, num_keys, s0, s1, s2, vec);
}

#else  // no AVX2 / libmvec on this platform: the scalar core

bool batch_simd_available() { return false; }

void sample_full_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e,
                       double* tangential) {
  full_batch_scalar(seed, trial, first, d, e, tangential);
}

void sample_projected_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e) {
  projected_batch_scalar(seed, trial, first, d, e);
}

void normals_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw, double* z) {
  normals_batch_scalar(seed, trial, first, draw, z);
}

void philox_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw,
                  std::uint32_t* words) {
  philox_batch_scalar(seed, trial, first, draw, words);
}

void beta_weights(const double* betas, int num_betas, double excess, double* t) {
  beta_weights_scalar(betas, num_betas, excess, t);
}

void accumulate_keys(const double* betas, int num_betas, const double* excess, const double* const* tangential,
                     int tangent_dim, int num_keys, double* s0, double* s1, double* s2, double* vec) {
  accumulate_keys_scalar(betas, num_betas, excess, tangential, tangent_dim, num_keys, s0, s1, s2, vec);
}

#endif

}  // namespace attnlim::cpu
