// The per-block entry points of the CPU engine, one per (model, tier, output vector): declared here,
// defined by key_loop.hpp and instantiated in host/cpu/keys/<model>.cpp. dispatch.cpp picks one per call
// with std::visit; a model without its instantiation file fails at link time with its name.
#pragma once
#include <cstdint>

#include "attnlim/engine/run_spec.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim::cpu {

using BlockFunction = TrialState (*)(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end);

// Keys [begin, end) of one trial of std::get<Model>(spec.keys): with the model's CPU accelerator where it
// has one (and it runs here), else the generic key loop.
template <class Model, class Tier, bool Vector>
TrialState model_block(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end);
// The generic key loop only (the reference the accelerators are tested against).
template <class Model, class Tier, bool Vector>
TrialState reference_block(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end);

// The production entry point for a run (dispatch.cpp), picked once per run.
BlockFunction picked_block_function(const RunSpec& spec);

}  // namespace attnlim::cpu
