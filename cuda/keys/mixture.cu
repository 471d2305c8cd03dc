// The fused CUDA path's instantiation for MixtureKeys.
#include "../fused/launch.cuh"
#include "attnlim/keys/registry.hpp"

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::MixtureKeys)
