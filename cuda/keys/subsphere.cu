// The fused CUDA path's instantiation for SubsphereKeys.
#include "../fused/launch.cuh"
#include "attnlim/keys/subsphere.hpp"

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::SubsphereKeys)
