// cuda::run: picks the fused instantiation for a run once (std::visit over the key model, then tier and
// output vector). Host code: compiled by the host compiler, never sees a kernel.
#include <stdexcept>
#include <variant>

#include "attnlim/engine/cuda_fused.hpp"

namespace attnlim::cuda {

namespace {

template <class Model>
std::vector<TrialState> run_model(const Model& model, const RunSpec& spec, const WorkRange& range,
                                  const LaunchOptions& options, const std::function<void(double)>& progress) {
  if (spec.tier == SamplerTier::projected) {
    if constexpr (Model::kHasDistanceSampler) {
      return run_fused<Model, DistanceOnly, false>(model, spec, range, options, progress);
    } else {
      throw std::logic_error("the distance-only tier for a model without a distance sampler (validate refuses it)");
    }
  }
  if (spec.output_vector) return run_fused<Model, FullKey, true>(model, spec, range, options, progress);
  return run_fused<Model, FullKey, false>(model, spec, range, options, progress);
}

}  // namespace

std::vector<TrialState> run(const RunSpec& spec, const WorkRange& range, const LaunchOptions& options,
                            const std::function<void(double)>& progress) {
  validate(spec, range);
  return std::visit([&](const auto& model) { return run_model(model, spec, range, options, progress); }, spec.keys);
}

}  // namespace attnlim::cuda
