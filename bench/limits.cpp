#include "limits.hpp"

#include <omp.h>

#include <cstdio>

#include "attnlim/core/philox.hpp"
#include "attnlim/core/variates.hpp"
#include "attnlim/engine/uniform_batch.hpp"
#include "attnlim/keys/uniform.hpp"
#if defined(ATTNLIM_WITH_CUDA)
#include "attnlim/engine/cuda_bench.hpp"
#endif

namespace bench {

namespace {

namespace cpu = attnlim::cpu;

// Seconds to draw `blocks` Philox blocks' worth of keys through the CPU backend's AVX2 batch path,
// 8 keys per call of `batch(first, out)` (out: kValuesPerKey values per key; OpenMP over `threads`).
template <int kValuesPerKey, class Batch>
double cpu_batch_seconds(std::uint64_t blocks, int threads, Batch batch) {
  constexpr int kOut = kValuesPerKey * cpu::kBatchKeys;
  double sum = 0;
  const auto t0 = Clock::now();
  const std::int64_t batches = static_cast<std::int64_t>(blocks / cpu::kBatchKeys) + 1;
#pragma omp parallel for reduction(+ : sum) num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < batches; ++i) {
    double out[kOut];
    batch(static_cast<std::uint64_t>(i) * cpu::kBatchKeys, out);
    for (double x : out) sum += x;
  }
  const double s = seconds_since(t0);
  if (sum == 1.2345) std::fputs("", stderr);  // keep the result alive
  return s;
}

// Philox blocks/s as the CPU backend draws them: philox_batch (AVX2 on 8 counters where the CPU has
// it, else the core's scalar philox4x32_10), words folded by XOR; OpenMP over `threads`.
double cpu_philox_seconds(std::uint64_t blocks, int threads, std::uint64_t seed) {
  std::uint32_t fold = 0;
  const std::int64_t batches = static_cast<std::int64_t>(blocks / cpu::kBatchKeys) + 1;
  const auto t0 = Clock::now();
#pragma omp parallel for reduction(^ : fold) num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < batches; ++i) {
    std::uint32_t words[4 * cpu::kBatchKeys];
    cpu::philox_batch(seed, 0u, static_cast<std::uint64_t>(i) * cpu::kBatchKeys, 0u, words);
    for (std::uint32_t w : words) fold ^= w;
  }
  const double s = seconds_since(t0);
  if (fold == 0x12345678u) std::fputs("", stderr);  // keep the result alive
  return s;
}

// Blocks/s of Philox block -> 4 Box-Muller normals, the way the CPU backend makes them: its AVX2 batch
// path where the CPU has it (normals_batch: all four normals of one block for 8 keys), else the core's
// scalar normals4.
double cpu_normal_seconds(std::uint64_t blocks, int threads, std::uint64_t seed) {
  if (cpu::batch_simd_available())
    return cpu_batch_seconds<4>(blocks, threads, [seed](std::uint64_t first, double* z) {
      cpu::normals_batch(seed, 0u, first, 0u, z);
    });
  double sum = 0;
  const auto t0 = Clock::now();
#pragma omp parallel for reduction(+ : sum) num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(blocks); ++i) {
    double z[4];
    attnlim::normals4(attnlim::key_block(seed, 0u, static_cast<std::uint64_t>(i), 0u), z);
    sum += z[0] + z[1] + z[2] + z[3];
  }
  const double s = seconds_since(t0);
  if (sum == 1.2345) std::fputs("", stderr);
  return s;
}

}  // namespace

double Limits::keys_per_s(attnlim::SamplerTier tier, int d) const {
  if (!measured) return 0;
  const attnlim::UniformCost cost = attnlim::uniform_cost(tier == attnlim::SamplerTier::full, d);
  return 1.0 / (cost.normal_blocks / normal_blocks_per_s + cost.raw_blocks / philox_blocks_per_s);
}

double Limits::philox_keys_per_s(attnlim::SamplerTier tier, int d, double projected_blocks) const {
  if (!measured) return 0;
  if (tier == attnlim::SamplerTier::full) return philox_blocks_per_s / attnlim::full_key_blocks(d);
  if (d > attnlim::kProjectedExponentialMaxD) return philox_blocks_per_s / projected_blocks;
  return philox_blocks_per_s / attnlim::uniform_distance_blocks(attnlim::KeyStream{0, 0, 0}, d);
}

double projected_blocks_per_key(int d, std::uint64_t keys, std::uint64_t seed) {
  std::uint64_t blocks = 0;
  for (std::uint64_t key = 0; key < keys; ++key)
    blocks += attnlim::uniform_distance_blocks(attnlim::KeyStream{seed, 0u, key}, d);
  return static_cast<double>(blocks) / static_cast<double>(keys);
}

Limits measure_limits(const Contender& who, std::uint64_t seed) {
  Limits lim;
  lim.device = who.device;
  if (who.backend == "cpu") {
    const auto philox = [&](std::uint64_t n) { return cpu_philox_seconds(n, who.threads, seed); };
    const auto normal = [&](std::uint64_t n) { return cpu_normal_seconds(n, who.threads, seed); };
    const std::uint64_t np = calibrate(philox, 1 << 20, 0.5, 1 << 16);
    const std::uint64_t nn = calibrate(normal, 1 << 18, 0.5, 1 << 16);
    lim.philox_blocks_per_s = np / repeat([&] { return philox(np); }, 3).median_s;
    lim.normal_blocks_per_s = nn / repeat([&] { return normal(nn); }, 3).median_s;
    lim.measured = true;
  }
#if defined(ATTNLIM_WITH_CUDA)
  if (who.backend == "cuda") {
    const auto philox = [&](std::uint64_t n) { return attnlim::cuda::philox_rate_seconds(n, seed); };
    const auto normal = [&](std::uint64_t n) { return attnlim::cuda::normal_rate_seconds(4 * n, seed); };
    const std::uint64_t np = calibrate(philox, 1 << 24, 0.5, 1 << 20);
    const std::uint64_t nn = calibrate(normal, 1 << 22, 0.5, 1 << 20);
    lim.philox_blocks_per_s = np / repeat([&] { return philox(np); }, 3).median_s;
    lim.normal_blocks_per_s = nn / repeat([&] { return normal(nn); }, 3).median_s;
    lim.measured = true;
  }
#endif
  return lim;
}

}  // namespace bench
