// What one simulation computes: n keys, several trials, one beta grid, one query (e_1 in its frame).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "attnlim/sampler.hpp"

namespace attnlim {

struct SimConfig {
  int d = 3;                           // dimension of the sphere's ambient space (keys on S^{d-1})
  std::uint64_t n = 100000;            // keys per trial
  std::uint64_t trials = 100;          // independent trials (counter word 2)
  std::uint64_t first_trial = 0;       // trial numbers first_trial .. first_trial + trials - 1
  std::vector<double> betas;           // absolute inverse temperatures, evaluated in one pass
  int top_k = 8;                       // nearest keys kept per trial (<= kMaxTopK)
  std::uint64_t seed = 1;              // Philox key
  bool output_vector = false;          // also accumulate the tangential output vector
  SamplerTier sampler = SamplerTier::full;
  int threads = 0;                     // CPU threads (0: OpenMP default)
  std::uint64_t chunk_keys = 1u << 16; // keys per work block; changes sums by rounding only

  int tangent_dim() const { return output_vector ? d - 1 : 0; }
};

// Throws InputError naming the flag for anything out of range (d < 2, n < 1, trials < 1, k > n or
// k > 64, negative or non-finite beta, too many betas, projected sampler with --output-vector).
void validate(const SimConfig& config);

const char* sampler_name(SamplerTier tier);

}  // namespace attnlim
