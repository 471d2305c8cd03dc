// The random-number limits of a device (bench/NOTES.md): the rate of the random numbers a key needs,
// measured on the same device with the core's own Philox and Box-Muller. A tier's limit follows from the
// key model's own accounting of its draws (uniform_cost, uniform_distance_blocks in keys/uniform.hpp):
//   keys/s = 1 / (normal blocks per key / normal blocks/s + raw blocks per key / Philox blocks/s),
// and the Philox floor, which no tier can pass: Philox blocks/s over the blocks one key reads.
#pragma once
#include <string>

#include "bench.hpp"

namespace bench {

struct Limits {
  std::string device;
  double philox_blocks_per_s = 0, normal_blocks_per_s = 0;
  bool measured = false;
  double keys_per_s(attnlim::SamplerTier tier, int d) const;
  // projected_blocks: the mean blocks per distance-only key (d > 7), from projected_blocks_per_key.
  double philox_keys_per_s(attnlim::SamplerTier tier, int d, double projected_blocks) const;
};

// Mean Philox blocks per distance-only uniform key over `keys` keys (1 + Marsaglia-Tsang attempts).
double projected_blocks_per_key(int d, std::uint64_t keys, std::uint64_t seed);

// The contender's limits (CPU: the backend's AVX2 batch path over its threads; CUDA: cuda_bench.hpp).
Limits measure_limits(const Contender& who, std::uint64_t seed);

}  // namespace bench
