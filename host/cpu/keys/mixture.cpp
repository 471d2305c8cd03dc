// The CPU engine's instantiation for MixtureKeys (the generic key loop).
#include "attnlim/keys/registry.hpp"
#include "../key_loop.hpp"

ATTNLIM_CPU_INSTANTIATE_SYMMETRIC(attnlim::MixtureKeys)
