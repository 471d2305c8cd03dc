// The fused CUDA path's instantiation for VmfKeys.
#include "../fused/launch.cuh"
#include "attnlim/keys/vmf.hpp"

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::VmfKeys)
