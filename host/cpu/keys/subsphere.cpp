// The CPU engine's instantiation for SubsphereKeys (the generic key loop).
#include "attnlim/keys/subsphere.hpp"
#include "../key_loop.hpp"

ATTNLIM_CPU_INSTANTIATE_SYMMETRIC(attnlim::SubsphereKeys)
