// The CPU engine's instantiation for VmfKeys (the generic key loop).
#include "attnlim/keys/vmf.hpp"
#include "../key_loop.hpp"

ATTNLIM_CPU_INSTANTIATE_SYMMETRIC(attnlim::VmfKeys)
