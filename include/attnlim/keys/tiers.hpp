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

// An accelerator's distances (the CPU's AVX2 batches, the GPU's uniform_key_distance_products) are within
// ~1e-12 relative of the model's sampler. A key whose accelerated distance is within this margin of the
// running minimum or of the k-th nearest so far may be one of them, so the engines recompute it with the
// sampler: minimum and top-k stay bitwise the sampler's, only the sums see the accelerator's rounding.
constexpr double kAcceleratorMargin = 1e-11;
ATTNLIM_HD double with_accelerator_margin(double x) { return x + x * kAcceleratorMargin + 1e-300; }

// "full" | "projected": the names of --sampler and of the JSON configs.
inline const char* sampler_name(SamplerTier tier) { return tier == SamplerTier::full ? "full" : "projected"; }

}  // namespace attnlim
