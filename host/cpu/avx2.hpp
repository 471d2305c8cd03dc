// AVX2 building blocks of the CPU accelerator of UniformKeys (not installed): Philox4x32-10 on 8 counters
// in integer registers (vpmuludq on even/odd lanes: bit-identical to core/philox.hpp), the core's uniform,
// exponential and Box-Muller transformations 4 lanes at a time through glibc's libmvec (_ZGVdN4v_*), and the
// cancellation-free distance. Each double expression is written out with the same operations in the same
// order as the core's (no FMA, no fast-math: this code enables AVX2 only, by target pragma), so the only
// differences from the core are libmvec's log / log1p / sin / cos / exp against libm's (a few ulps each).
// The binary runs on any x86-64: AVX2 code is only entered after batch_simd_available().
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#define ATTNLIM_BATCH_AVX2 1
#else
#define ATTNLIM_BATCH_AVX2 0
#endif

#if ATTNLIM_BATCH_AVX2
#include <immintrin.h>

#include <cstdint>

#include "attnlim/core/philox.hpp"
#include "attnlim/engine/uniform_batch.hpp"

#pragma GCC push_options
#pragma GCC target("avx2")

extern "C" {
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);
__m256d _ZGVdN4v_sin(__m256d);
__m256d _ZGVdN4v_cos(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
}

namespace attnlim::cpu::avx2 {

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

// box_muller: radius = sqrt(-2 log u0), angle = turn pi with turn = 2 u1; z0 = radius cos, z1 = radius sin.
inline __m256d bm_radius(__m128i w0) {
  return _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), _ZGVdN4v_log(uniform_open4(w0))));
}
inline __m256d bm_turn(__m128i w1) { return _mm256_mul_pd(_mm256_set1_pd(2.0), uniform_open4(w1)); }

// sin(pi x) with x reduced exactly to the nearest whole k (the core's sincospi_exact reduces to quarter
// turns; both keep full relative precision next to every zero): sin(pi x) = (-1)^k sin(pi (x - k)).
inline __m256d sinpi4(__m256d x) {
  const __m256d k = _mm256_round_pd(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d s = _ZGVdN4v_sin(_mm256_mul_pd(_mm256_sub_pd(x, k), _mm256_set1_pd(3.14159265358979323846)));
  const __m256d half_k = _mm256_mul_pd(k, _mm256_set1_pd(0.5));
  const __m256d odd = _mm256_cmp_pd(_mm256_floor_pd(half_k), half_k, _CMP_NEQ_OQ);
  return _mm256_xor_pd(s, _mm256_and_pd(odd, _mm256_set1_pd(-0.0)));
}

// cos(pi x) = sin(pi (x + 1/2)): x + 1/2 is exact for Box-Muller's turns (multiples of 2^-32 below 2).
inline __m256d cospi4(__m256d x) { return sinpi4(_mm256_add_pd(x, _mm256_set1_pd(0.5))); }

// distance_from_parts, both branches then a select (the unused one is finite: radius > 0).
inline __m256d distance4(__m256d g1, __m256d perp_sq, __m256d& radius) {
  radius = _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(g1, g1), perp_sq));
  const __m256d pos = _mm256_div_pd(perp_sq, _mm256_mul_pd(radius, _mm256_add_pd(radius, g1)));
  const __m256d negative = _mm256_add_pd(_mm256_set1_pd(1.0), _mm256_div_pd(neg(g1), radius));
  const __m256d g1_pos = _mm256_cmp_pd(g1, _mm256_setzero_pd(), _CMP_GT_OQ);
  return _mm256_blendv_pd(negative, pos, g1_pos);
}

// The four Box-Muller normals of block `draw` of keys first .. first + 7: z[j * kBatchKeys + l] = normal j
// of key first + l (the core's normals4, lane by lane).
inline void normals8(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw, double* z) {
  const KeySchedule ks = key_schedule(seed);
  const Counters ctr = key_counters(first);
  const Words8 w = philox8(ctr.lo, ctr.hi, trial, draw, ks);
  for (int pair = 0; pair < 2; ++pair)
    for (int h = 0; h < 2; ++h) {
      const __m256d radius = bm_radius(half(w.v[2 * pair], h)), turn = bm_turn(half(w.v[2 * pair + 1], h));
      _mm256_storeu_pd(z + 2 * pair * kBatchKeys + 4 * h, _mm256_mul_pd(radius, cospi4(turn)));
      _mm256_storeu_pd(z + (2 * pair + 1) * kBatchKeys + 4 * h, _mm256_mul_pd(radius, sinpi4(turn)));
    }
}

}  // namespace attnlim::cpu::avx2

#pragma GCC pop_options
#endif  // ATTNLIM_BATCH_AVX2
