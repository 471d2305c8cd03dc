// The CPU engine's instantiation for PowerKeys (the generic key loop).
#include "attnlim/keys/power.hpp"
#include "../key_loop.hpp"

ATTNLIM_CPU_INSTANTIATE_SYMMETRIC(attnlim::PowerKeys)
