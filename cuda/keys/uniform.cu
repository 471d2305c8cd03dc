// The fused CUDA path's instantiation for UniformKeys, with its device accelerator (full-tier distances with
// one log per product of uniforms), the warp path (LaunchOptions::warp_sums) and the scalar kernels without the
// in-kernel fold's code (LaunchOptions::fold_in_kernel off, measured beside the default by attnlim_bench).
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
template <>
inline constexpr bool kFoldlessKernelBuilt<UniformKeys> = true;
}  // namespace attnlim::cuda::fused

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::UniformKeys)
