// The CPU's raw Philox and normal-generation rates, 8 keys at a time (benchmarks' limits; tested against
// the core): AVX2 where available (avx2.hpp), the core lane by lane otherwise.
#include "attnlim/engine/uniform_batch.hpp"

#include <cmath>
#include <cstring>

#include "attnlim/core/softmax.hpp"
#include "attnlim/keys/uniform.hpp"
#include "avx2.hpp"

namespace attnlim::cpu {

namespace {

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

#if ATTNLIM_BATCH_AVX2
#pragma GCC push_options
#pragma GCC target("avx2")
using namespace avx2;

void philox_batch_avx2(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw,
                       std::uint32_t* words) {
  const KeySchedule ks = key_schedule(seed);
  const Counters ctr = key_counters(first);
  const Words8 w = philox8(ctr.lo, ctr.hi, trial, draw, ks);
  for (int j = 0; j < 4; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + j * kBatchKeys), w.v[j]);
}

#pragma GCC pop_options
#endif  // ATTNLIM_BATCH_AVX2

}  // namespace

void philox_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw,
                  std::uint32_t* words) {
#if ATTNLIM_BATCH_AVX2
  if (batch_simd_available()) return philox_batch_avx2(seed, trial, first, draw, words);
#endif
  philox_batch_scalar(seed, trial, first, draw, words);
}

void normals_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw, double* z) {
#if ATTNLIM_BATCH_AVX2
  if (batch_simd_available()) return avx2::normals8(seed, trial, first, draw, z);
#endif
  normals_batch_scalar(seed, trial, first, draw, z);
}

}  // namespace attnlim::cpu
