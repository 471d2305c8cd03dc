// Probe (not part of the product): how fast could the CPU make the full tier's normals if keys were
// sampled 8 at a time in structure-of-arrays form, so that Philox vectorises (AVX2 vpmuludq) and
// log/cos go through glibc's vector math library (libmvec)? Compares, in one process on one thread,
// the core's scalar normals4 against that batched form, and checks the batched Philox bit for bit.
// Built only on request (EXCLUDE_FROM_ALL): cmake --build BUILD --target attnlim_simd_probe
// Evidence for bench/NOTES.md ("where the time goes"); the core itself is not changed by it.
#include <math.h>  // the libmvec vector variants are declared here (under -ffast-math)

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "attnlim/core/variates.hpp"

namespace {
constexpr int kLanes = 8;

void philox_batch(std::uint32_t c0[], std::uint32_t c1[], std::uint32_t c2[], std::uint32_t c3[], std::uint32_t k0,
                  std::uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c0[l], p1 = std::uint64_t{0xCD9E8D57u} * c2[l];
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[l] ^ k0;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[l] ^ k1;
      c1[l] = static_cast<std::uint32_t>(p1);
      c3[l] = static_cast<std::uint32_t>(p0);
      c0[l] = n0;
      c2[l] = n2;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

// uniform_open without an unsigned->double conversion (AVX2 has none): (x + 1/2) 2^-32, exact.
inline double uniform_lane(std::uint32_t x) {
  return (static_cast<double>(static_cast<std::int32_t>(x ^ 0x80000000u)) + 2147483648.5) * 2.3283064365386963e-10;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main() {
  const std::uint64_t blocks = std::uint64_t{1} << 24, seed = 1;
  double scalar_sum = 0.0, batch_sum = 0.0;
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < blocks; ++i) {
    double z[4];
    attnlim::normals4(attnlim::key_block(seed, 0u, i, 0u), z);
    scalar_sum += z[0] + z[1] + z[2] + z[3];
  }
  const double scalar_s = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < blocks; i += kLanes) {
    alignas(32) std::uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      c0[l] = static_cast<std::uint32_t>(i + l);
      c1[l] = static_cast<std::uint32_t>((i + l) >> 32);
      c2[l] = 0;
      c3[l] = 0;
    }
    philox_batch(c0, c1, c2, c3, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
    double acc = 0.0;
#pragma omp simd reduction(+ : acc)
    for (int l = 0; l < kLanes; ++l) {
      const double r0 = sqrt(-2.0 * log(uniform_lane(c0[l]))), r1 = sqrt(-2.0 * log(uniform_lane(c2[l])));
      const double a0 = 6.283185307179586 * uniform_lane(c1[l]), a1 = 6.283185307179586 * uniform_lane(c3[l]);
      // sin(a) as cos(a - pi/2): GCC fuses sin+cos into a scalar sincos call that does not vectorise.
      acc += r0 * cos(a0) + r0 * cos(a0 - 1.5707963267948966) + r1 * cos(a1) + r1 * cos(a1 - 1.5707963267948966);
    }
    batch_sum += acc;
  }
  const double batch_s = seconds_since(t0);

  bool same = true;
  for (std::uint64_t key = 0; key < 64; key += kLanes) {
    std::uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
    for (int l = 0; l < kLanes; ++l) c0[l] = static_cast<std::uint32_t>(key + l), c1[l] = c2[l] = c3[l] = 0;
    philox_batch(c0, c1, c2, c3, static_cast<std::uint32_t>(seed), 0u);
    for (int l = 0; l < kLanes; ++l) {
      const attnlim::Philox4 ref = attnlim::key_block(seed, 0u, key + l, 0u);
      same = same && ref.v[0] == c0[l] && ref.v[1] == c1[l] && ref.v[2] == c2[l] && ref.v[3] == c3[l];
    }
  }
  std::printf("{\"probe\": \"simd_normals\", \"philox_bit_identical\": %s, \"scalar_normal_blocks_per_s\": %.4g, "
              "\"batched_normal_blocks_per_s\": %.4g, \"speedup\": %.3g, \"mean_scalar\": %.3g, \"mean_batched\": %.3g}\n",
              same ? "true" : "false", blocks / scalar_s, blocks / batch_s, scalar_s / batch_s,
              scalar_sum / (4.0 * blocks), batch_sum / (4.0 * blocks));
  return same ? 0 : 1;
}
