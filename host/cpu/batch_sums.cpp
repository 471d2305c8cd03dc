// The softmax sums of keys that are neither a new minimum nor kept (the accumulate_key "else" branch of
// core/softmax.hpp) for many keys and betas at once, with libmvec's exp over 4 betas (avx2.hpp): per beta
// the additions are in key order, as in the core.
#include "attnlim/engine/uniform_batch.hpp"

#include <cmath>
#include <cstring>

#include "attnlim/core/softmax.hpp"
#include "attnlim/keys/uniform.hpp"
#include "avx2.hpp"

namespace attnlim::cpu {

namespace {

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

#if ATTNLIM_BATCH_AVX2
#pragma GCC push_options
#pragma GCC target("avx2")
using namespace avx2;

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

#pragma GCC pop_options
#endif  // ATTNLIM_BATCH_AVX2

}  // namespace

void beta_weights(const double* betas, int num_betas, double excess, double* t) {
#if ATTNLIM_BATCH_AVX2
  if (batch_simd_available()) return beta_weights_avx2(betas, num_betas, excess, t);
#endif
  beta_weights_scalar(betas, num_betas, excess, t);
}

void accumulate_keys(const double* betas, int num_betas, const double* excess, const double* const* tangential,
                     int tangent_dim, int num_keys, double* s0, double* s1, double* s2, double* vec) {
#if ATTNLIM_BATCH_AVX2
  if (batch_simd_available()) return accumulate_keys_avx2(betas, num_betas, excess, tangential, tangent_dim, num_keys, s0, s1, s2, vec);
#endif
  accumulate_keys_scalar(betas, num_betas, excess, tangential, tangent_dim, num_keys, s0, s1, s2, vec);
}

}  // namespace attnlim::cpu
