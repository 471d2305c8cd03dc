// What one run computes (DESIGN.md data flow): a key model, a sampler tier, a beta grid, what to keep, and
// n; and the part of it an engine call covers (WorkRange: trials x keys, so work can be split by keys,
// not only by trials, and the pieces merged with TrialState::merge).
#pragma once
#include <cstdint>
#include <vector>

#include "attnlim/core/common.hpp"
#include "attnlim/engine/key_count.hpp"
#include "attnlim/keys/registry.hpp"

namespace attnlim {

// Limits every command enforces (and the README states).
constexpr int kMaxDimension = 65536;                          // d
constexpr std::uint64_t kMaxKeys = std::uint64_t{1} << 63;    // n and --chunk: n + chunk stays below 2^64
constexpr std::uint64_t kMaxTrials = std::uint64_t{1} << 32;  // trial numbers are one 32-bit counter word
constexpr int kDefaultTopK = 8;                               // --top-k when not given: min(8, n)

struct RunSpec {
  AnyKeyModel keys = UniformKeys{3};  // the key law, with d
  SamplerTier tier = SamplerTier::full;
  std::vector<double> betas;          // absolute inverse temperatures, evaluated in one pass
  int top_k = kDefaultTopK;           // nearest keys kept per trial (<= kMaxTopK)
  bool output_vector = false;         // also accumulate the weighted tangential key sum
  std::uint64_t seed = 1;             // Philox key
  KeyCount n = KeyCount::exact(100000);
  // betas[b] is in units of e^{log_beta_unit}: the absolute beta is betas[b] e^{log_beta_unit}. Per-key engines
  // take absolute betas (0); the order-statistics engine takes any unit, so beta = lambda (n c)^{1/a'} can be
  // given as lambda with the unit log (n c)^{1/a'} where that beta is beyond a double (n = 1e5000).
  double log_beta_unit = 0.0;
  // Order-statistics engine: keys beyond the nearest K enter as a Gaussian sum; K grows until the bound on
  // that approximation's error (TrialState::bulk_error_bound) is below this.
  double bulk_tolerance = 1e-3;

  int d() const { return dimension(keys); }
  int tangent_dim() const { return output_vector ? d() - 1 : 0; }
};

// Trials [first_trial, first_trial + trials) (trial numbers: Philox counter word 2), keys
// [key_begin, key_end) of each.
struct WorkRange {
  std::uint64_t first_trial = 0, trials = 1;
  std::uint64_t key_begin = 0, key_end = 0;

  // Every key of `trials` trials from first_trial on (an exact n).
  static WorkRange all_keys(const RunSpec& spec, std::uint64_t trials, std::uint64_t first_trial = 0);
};

// Throws InputError naming the field for anything out of range: d (2..kMaxDimension), the key model, n
// (1..2^63 when exact), top_k (0..64, <= n), beta (1..64 values, finite, >= 0), a sampler tier the model
// does not support, output_vector with the distance-only tier.
void validate(const RunSpec& spec);

// log S, S = (n c)^{1/a'} the rescaling of the key model's local law P(E <= s) ~ c s^{a'}: y = S E are the
// rescaled distances (THEORY.md sections 2, 7, 8).
double log_rescale(const RunSpec& spec);
// log of the absolute beta number b (-inf for beta 0).
double log_beta(const RunSpec& spec, int b);
// The betas in the units of a state whose distances are stored as E e^{log_distance_scale} (so that beta E is
// unchanged): beta e^{-log_distance_scale}.
std::vector<double> state_betas(const RunSpec& spec, double log_distance_scale);
// Also the range: at least one trial, trial numbers within 32 bits, a non-empty key range inside [0, n).
void validate(const RunSpec& spec, const WorkRange& range);

}  // namespace attnlim
