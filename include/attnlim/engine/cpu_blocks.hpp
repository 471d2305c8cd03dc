// The CPU engine's pieces, for tests and benchmarks (drivers use Engine, engine.hpp): the per-block key
// loop and the trial loop. The model and tier are dispatched once per call (a function pointer picked by
// std::visit), never per key.
#pragma once
#include <cstdint>
#include <vector>

#include "attnlim/engine/engine.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim::cpu {

// Keys [begin, end) of one trial, serially (the CPU twin of the CUDA kernel's inner loop). Uses the model's
// CPU accelerator where it has one (UniformKeys: the AVX2 batch path) and the generic key loop otherwise.
TrialState run_block(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end);
// The generic key loop only, key by key through the model's own sampler: the reference of the accelerators.
TrialState run_block_reference(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end);

// The range's trials: OpenMP over blocks of options.chunk_keys keys (from range.key_begin), merged into
// their trial strictly in block order, so results are bitwise independent of the thread count and depend
// on the block size only through rounding. Reports keys done after each wave of blocks (and so checks for a
// stop request: blocks not yet started are skipped, then Interrupted is thrown).
std::vector<TrialState> run_trials(const RunSpec& spec, const WorkRange& range, const EngineOptions& options,
                                   const KeysDone& progress = {});

}  // namespace attnlim::cpu
