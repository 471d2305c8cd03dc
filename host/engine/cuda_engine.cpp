// The CUDA engine: the Engine interface over the CUDA backend's host functions (cuda_runtime.hpp).
#include <fmt/core.h>

#include "attnlim/engine/cuda_runtime.hpp"
#include "engines.hpp"

namespace attnlim {

namespace {

class CudaEngine final : public Engine {
 public:
  explicit CudaEngine(const EngineOptions& options) : Engine(options), device_(cuda::device_name()) {}
  std::string name() const override { return "cuda"; }
  std::string device() const override { return device_; }
  bool accelerator() const override { return true; }
  std::optional<InputError> refusal(const RunSpec& spec) const override { return refuse_uncounted_n(spec, name()); }

 protected:
  std::vector<TrialState> run_range(const RunSpec& spec, const WorkRange& range, const KeysDone& progress) override {
    return cuda::run(spec, range, cuda::LaunchOptions{}, progress);
  }

 private:
  std::string device_;
};

}  // namespace

std::unique_ptr<Engine> make_cuda_engine(const EngineOptions& options) { return std::make_unique<CudaEngine>(options); }

}  // namespace attnlim
