// The fused CUDA path's instantiation for UniformKeys.
#include "../fused/launch.cuh"
#include "attnlim/keys/uniform.hpp"

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::UniformKeys)
