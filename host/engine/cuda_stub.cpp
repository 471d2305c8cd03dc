// Linked instead of cuda/ when attnlim is built without the CUDA backend (ATTNLIM_CUDA=OFF or no nvcc).
#include "attnlim/core/errors.hpp"
#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/engine/self_attention.hpp"

namespace attnlim::cuda {

namespace {
constexpr const char* kWhy = "attnlim was built without the CUDA backend";
}

bool available(std::string* why) {
  if (why) *why = kWhy;
  return false;
}
std::string device_name() { return "none"; }
int select_device(int) { return -1; }
std::vector<TrialState> run(const RunSpec& spec, const WorkRange& range, const LaunchOptions&,
                            const std::function<void(double)>&) {
  validate(spec, range);  // bad input is an input error with or without a device
  throw DeviceError(kWhy);
}
std::vector<std::uint32_t> curand_philox_blocks(std::uint64_t, std::uint32_t, std::uint32_t, std::uint64_t,
                                                std::uint64_t) {
  throw DeviceError(kWhy);
}
}  // namespace attnlim::cuda

namespace attnlim::cuda {
std::vector<LayerStats> self_attention_layers(const SelfAttentionSpec& spec, std::vector<double>) {
  validate(spec);
  throw DeviceError(kWhy);
}
namespace detail {
void throw_cuda_error(int, const char* call, const char* file, int line) {
  throw DeviceError(std::string(file) + ":" + std::to_string(line) + ": " + call + ": " + kWhy);
}
}  // namespace detail

}  // namespace attnlim::cuda
