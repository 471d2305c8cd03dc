// The fused CUDA path's instantiation for UniformKeys, with its device accelerator (full-tier distances with
// one log per product of uniforms) and the warp path (LaunchOptions::warp_sums).
#include "../fused/launch.cuh"
#include "attnlim/keys/uniform.hpp"

namespace attnlim::cuda::fused {
template <>
struct DeviceAccelerator<UniformKeys> {
  static constexpr bool kAvailable = true;
  static bool active(const UniformKeys& model) { return uniform_products_formed(model.d); }
  __device__ static double distance(const UniformKeys& model, const KeyStream& stream) {
    return uniform_product_distance(stream, model.d);  // NaN under the guard: recomputed by the sampler
  }
};

template <>
inline constexpr bool kWarpPathBuilt<UniformKeys> = true;
}  // namespace attnlim::cuda::fused

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::UniformKeys)
