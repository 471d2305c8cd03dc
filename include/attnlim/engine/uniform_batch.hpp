// The CPU accelerator of UniformKeys (host/cpu/uniform_batch.cpp, batch_sums.cpp, philox_batch.cpp): 8 keys
// at a time, Philox in AVX2 registers (bit-identical to core/philox.hpp) and Box-Muller / log1p / exp through glibc's libmvec (AVX2 variants,
// a few ulps from the scalar libm the core functions use). Same stream as keys/uniform.hpp: key first + l
// uses counters (key lo, key hi, trial, draw) exactly as uniform_key / uniform_distance.
// Every key goes through the same arithmetic whatever its lane, so results depend on the key only.
// Without AVX2 (runtime check) every function falls back to the scalar core functions.
#pragma once
#include <cstdint>

namespace attnlim::cpu {

constexpr int kBatchKeys = 8;

// True when the AVX2 + libmvec path runs on this CPU.
bool batch_simd_available();

// Full tier, keys first .. first + 7: e[l] = distance; tangential (nullable): key l's d - 1
// components K_perp at tangential[l * (d - 1)].
void sample_full_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e,
                       double* tangential);

// The Philox block `draw` of keys first .. first + 7 (key_block for each key): words[j * kBatchKeys + l] =
// word j of key first + l. The CPU's raw Philox rate (bench/).
void philox_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw,
                  std::uint32_t* words);

// The four Box-Muller normals of block `draw` of keys first .. first + 7 (normals4 of key_block for each
// key): z[j * kBatchKeys + l] = normal j of key first + l. The CPU's normal-generation rate (bench/).
void normals_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, std::uint32_t draw, double* z);

// Projected tier, keys first .. first + 7.
void sample_projected_batch(std::uint64_t seed, std::uint32_t trial, std::uint64_t first, int d, double* e);

// t[b] = exp(-betas[b] excess), or exactly 0 where betas[b] excess > kExpUnderflow (accumulate_key skips
// those: adding 0 changes no sum). excess >= 0.
void beta_weights(const double* betas, int num_betas, double excess, double* t);

// accumulate_key's "else" branch (a key that is not a new minimum) for keys 0 .. num_keys - 1 in order:
// excess[i] = E_i - m >= 0; per beta, t = beta_weights(...), s0 += t, s1 += t excess, s2 += t^2 and,
// when vec != nullptr, vec[b tangent_dim + j] += t tangential[i][j]. Does not touch count.
void accumulate_keys(const double* betas, int num_betas, const double* excess, const double* const* tangential,
                     int tangent_dim, int num_keys, double* s0, double* s1, double* s2, double* vec);

}  // namespace attnlim::cpu
