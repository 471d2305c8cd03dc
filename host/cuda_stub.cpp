// Linked when attnlim is built without the CUDA backend (ATTNLIM_CUDA=OFF or no nvcc).
#include "attnlim/cuda_backend.hpp"
#include "attnlim/errors.hpp"

namespace attnlim::cuda {

bool available(std::string* why) {
  if (why) *why = "attnlim was built without the CUDA backend";
  return false;
}
std::string device_name() { return "none"; }
std::vector<TrialState> run_trials(const SimConfig&) { throw DeviceError("attnlim was built without the CUDA backend"); }
std::vector<std::uint32_t> curand_philox_blocks(std::uint64_t, std::uint32_t, std::uint32_t, std::uint64_t,
                                                std::uint64_t) {
  throw DeviceError("attnlim was built without the CUDA backend");
}

}  // namespace attnlim::cuda
