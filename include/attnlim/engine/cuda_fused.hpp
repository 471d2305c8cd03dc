// The fused generate -> score -> reduce path as a template over the key model and sampler tier, defined
// in cuda/fused/launch.cuh and instantiated once per model in cuda/keys/<model>.cu. The dispatcher
// (cuda/fused/dispatch.cpp) picks the instantiation once per run with std::visit; a model without a CUDA
// instantiation file fails at link time with its name.
#pragma once
#include <vector>

#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim::cuda {

template <class Model, class Tier, bool Vector>
std::vector<TrialState> run_fused(const Model& model, const RunSpec& spec, const WorkRange& range,
                                  const LaunchOptions& options, const std::function<void(double)>& progress);

}  // namespace attnlim::cuda
