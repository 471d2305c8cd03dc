// Sampler tiers (DESIGN.md): what of a key a sampler produces. The order-statistics tier is an engine,
// not a per-key sampler, so it is not here.
//   FullKey      (--sampler full):      the key's distance E and, on request, its tangential components;
//   DistanceOnly (--sampler projected): E alone, drawn from its exact law at a cost independent of d, for
//                                        models symmetric about the query (E carries the whole law there).
#pragma once
#include <type_traits>

#include "attnlim/core/common.hpp"
#include "attnlim/core/key_stream.hpp"

namespace attnlim {

enum class SamplerTier : int { full = 0, projected = 1 };

struct FullKey {
  static constexpr SamplerTier kTier = SamplerTier::full;
};
struct DistanceOnly {
  static constexpr SamplerTier kTier = SamplerTier::projected;
};

// One key of `model` in tier `Tier`: its distance E, and with FullKey (tangential != nullptr) its d - 1
// tangential components. The engines' key loops call this, so a tier is chosen at compile time.
template <class Tier, class Model>
ATTNLIM_HD double sample_key(const Model& model, const KeyStream& stream, double* tangential) {
  if constexpr (std::is_same<Tier, FullKey>::value) {
    return model.key(stream, tangential);
  } else {
    static_assert(Model::kHasDistanceSampler, "the distance-only tier needs the model's distance sampler");
    return model.distance(stream);
  }
}

// An accelerator's distances (the CPU's AVX2 batches, the GPU's uniform_product_distance) are within ~1e-12
// relative of the model's sampler. A key whose accelerated distance is within this margin of the running
// minimum or of the k-th nearest so far may be one of them, so the engines recompute it with the sampler:
// minimum and top-k stay bitwise the sampler's, only the sums see the accelerator's rounding.
constexpr double kAcceleratorMargin = 1e-11;
ATTNLIM_HD double with_accelerator_margin(double x) { return x + x * kAcceleratorMargin + 1e-300; }

// Whether an accelerated distance e may stand for its key (the engines' one rule): beyond the margin of the
// minimum so far and, with a top-k (k > 0), of the k-th nearest so far (infinity while fewer than k are known).
// False for a NaN, which the sampler then recomputes. The bounds may be accelerated distances themselves: the
// margin (1e-11) is far wider than two accelerators' errors (2 x 2.2e-13).
ATTNLIM_HD bool accelerated_distance_serves(double e, double min_so_far, int k, double kth_so_far) {
  return e > with_accelerator_margin(min_so_far) && (k == 0 || e > with_accelerator_margin(kth_so_far));
}

// "full" | "projected": the names of --sampler and of the JSON configs.
inline const char* sampler_name(SamplerTier tier) { return tier == SamplerTier::full ? "full" : "projected"; }

}  // namespace attnlim
