// The fused CUDA path's instantiation for HarmonicKeys.
#include "../fused/launch.cuh"
#include "attnlim/keys/harmonic.hpp"

ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(attnlim::HarmonicKeys)
