// The emulated device has no cuRAND host library: cuda/bench/materialize.cu (Thrust and cuRAND's host API) is
// not built into the emulated backend, and these two stand in for it.
#include "attnlim/core/errors.hpp"
#include "attnlim/engine/cuda_bench.hpp"

namespace attnlim::cuda {

bool curand_host_available(std::string* why) {
  if (why) *why = "the host emulator has no cuRAND host library (the baseline runs on a device only)";
  return false;
}

MaterializeResult materialize_then_reduce(const RunSpec&, std::uint64_t, std::uint64_t) {
  throw DeviceError("materialize_then_reduce: the host emulator has no cuRAND host library");
}

}  // namespace attnlim::cuda
