// UniformKeys' CPU accelerator: the AVX2 batch samplers (attnlim/engine/uniform_batch.hpp) plugged into the
// batched key loop (key_loop.hpp). Other models run on the generic loop until they get one.
#pragma once
#include <type_traits>

#include "attnlim/engine/uniform_batch.hpp"
#include "attnlim/keys/uniform.hpp"
#include "key_loop.hpp"

namespace attnlim::cpu {

template <>
struct CpuAccelerator<UniformKeys> {
  static constexpr bool kAvailable = true;
  static bool active() { return batch_simd_available(); }
  template <class Tier>
  static void sample(const UniformKeys& model, const KeyStream& first, double* e, double* tangential) {
    if constexpr (std::is_same<Tier, FullKey>::value)
      sample_full_batch(first.seed, first.trial, first.key, model.d, e, tangential);
    else
      sample_projected_batch(first.seed, first.trial, first.key, model.d, e);
  }
};

}  // namespace attnlim::cpu
