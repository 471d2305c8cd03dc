// The CPU engine's instantiation for UniformKeys (with its AVX2 accelerator).
#include "../uniform_accelerator.hpp"

ATTNLIM_CPU_INSTANTIATE_SYMMETRIC(attnlim::UniformKeys)
