// Picks the CPU engine's block entry point for a run, once (std::visit over the key model, then the tier
// and output vector): no virtual call and no switch per key.
#include <stdexcept>
#include <variant>

#include "attnlim/engine/cpu_blocks.hpp"
#include "block_function.hpp"

namespace attnlim::cpu {

namespace {

template <class Model>
BlockFunction pick(const RunSpec& spec, bool reference) {
  if (spec.tier == SamplerTier::projected) {
    if constexpr (Model::kHasDistanceSampler) {
      return reference ? &reference_block<Model, DistanceOnly, false> : &model_block<Model, DistanceOnly, false>;
    } else {
      throw std::logic_error("the distance-only tier for a model without a distance sampler (validate refuses it)");
    }
  }
  if (spec.output_vector)
    return reference ? &reference_block<Model, FullKey, true> : &model_block<Model, FullKey, true>;
  return reference ? &reference_block<Model, FullKey, false> : &model_block<Model, FullKey, false>;
}

BlockFunction block_function(const RunSpec& spec, bool reference) {
  return std::visit([&](const auto& model) { return pick<std::decay_t<decltype(model)>>(spec, reference); },
                    spec.keys);
}

}  // namespace

TrialState run_block(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end) {
  return block_function(spec, false)(spec, trial, begin, end);
}

TrialState run_block_reference(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end) {
  return block_function(spec, true)(spec, trial, begin, end);
}

BlockFunction picked_block_function(const RunSpec& spec) { return block_function(spec, false); }

}  // namespace attnlim::cpu
