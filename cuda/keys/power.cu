// The fused CUDA path's instantiation for PowerKeys.
#include "../fused/launch.cuh"
#include "attnlim/keys/power.hpp"

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::PowerKeys)
