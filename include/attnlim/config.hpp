// What one simulation computes: n keys, several trials, one beta grid, one query (e_1 in its frame).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "attnlim/sampler.hpp"

namespace attnlim {

// Limits every command enforces (and the README states).
constexpr int kMaxDimension = 65536;                          // d
constexpr std::uint64_t kMaxKeys = std::uint64_t{1} << 63;    // n and --chunk: n + chunk stays below 2^64
constexpr std::uint64_t kMaxTrials = std::uint64_t{1} << 32;  // trial numbers are one 32-bit counter word
constexpr int kMaxThreads = 4096;                             // --threads
constexpr int kMaxGridPoints = 10000;                         // --n-points
constexpr int kDefaultTopK = 8;                               // --top-k when not given: min(8, n)

struct SimConfig {
  int d = 3;                           // dimension of the sphere's ambient space (keys on S^{d-1})
  std::uint64_t n = 100000;            // keys per trial
  std::uint64_t trials = 100;          // independent trials (counter word 2)
  std::uint64_t first_trial = 0;       // trial numbers first_trial .. first_trial + trials - 1
  std::vector<double> betas;           // absolute inverse temperatures, evaluated in one pass
  int top_k = kDefaultTopK;            // nearest keys kept per trial (<= kMaxTopK)
  std::uint64_t seed = 1;              // Philox key
  bool output_vector = false;          // also accumulate the tangential output vector
  SamplerTier sampler = SamplerTier::full;
  int threads = 0;                     // CPU threads (0: OpenMP default)
  std::uint64_t chunk_keys = 1u << 16; // keys per work block; changes sums by rounding only

  int tangent_dim() const { return output_vector ? d - 1 : 0; }
};

// Throws InputError naming the flag for anything out of range (d < 2 or > kMaxDimension, n < 1 or
// > kMaxKeys, trials < 1 or beyond 32-bit trial numbers, k > n or k > 64, negative or non-finite beta,
// too many betas, projected sampler with --output-vector).
void validate(const SimConfig& config);

const char* sampler_name(SamplerTier tier);

// ---- Strict parsing of command-line values, shared by every command ------------------------------
// Each throws InputError naming `flag` and quoting the text as the user typed it.

// A whole number in [min, max]: "1000", "1e3" and "1.5e3" are accepted (exact integers), "1.5", "",
// "-1" (when min >= 0), "0x10" and anything beyond max (no saturation, no wrap-around) are refused.
std::uint64_t parse_whole(const std::string& flag, const std::string& text, std::uint64_t min, std::uint64_t max);
// A real number; the whole text must parse ("" and "1x" are refused). inf and nan parse (callers
// check the range).
double parse_real(const std::string& flag, const std::string& text);
// The items of a comma-separated list; refuses an empty list and empty items ("1,,2", "1,").
std::vector<std::string> split_list(const std::string& flag, const std::string& text);
// Distinct whole numbers in [min, max] from a comma-separated list (a repeated value is refused).
std::vector<std::uint64_t> parse_whole_list(const std::string& flag, const std::string& text, std::uint64_t min,
                                            std::uint64_t max);
// Distinct finite values >= 0 from a comma-separated list: the beta values of --beta and --beta-spec.
std::vector<double> parse_beta_values(const std::string& flag, const std::string& text);

}  // namespace attnlim
