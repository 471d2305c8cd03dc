// The CPU engine's instantiation for HarmonicKeys (the generic key loop).
#include "attnlim/keys/harmonic.hpp"
#include "../key_loop.hpp"

ATTNLIM_CPU_INSTANTIATE_SYMMETRIC(attnlim::HarmonicKeys)
