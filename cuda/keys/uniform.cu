// The fused CUDA path's instantiation for UniformKeys, with the warp path (LaunchOptions::warp_sums).
#include "../fused/launch.cuh"
#include "attnlim/keys/uniform.hpp"

namespace attnlim::cuda::fused {
template <>
inline constexpr bool kWarpPathBuilt<UniformKeys> = true;
}  // namespace attnlim::cuda::fused

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::UniformKeys)
