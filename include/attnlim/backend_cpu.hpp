// The CPU backend: OpenMP over fixed blocks of chunk_keys keys, merged in a fixed order, so results are
// bitwise independent of the thread count and depend on chunk_keys only through rounding.
#pragma once
#include <vector>

#include "attnlim/config.hpp"
#include "attnlim/state.hpp"

namespace attnlim::cpu {

std::vector<TrialState> run_trials(const SimConfig& config);

// One block of keys [begin, end) of one trial, serially (the CPU twin of the CUDA kernel's inner loop).
TrialState run_block(const SimConfig& config, std::uint32_t trial, std::uint64_t begin, std::uint64_t end);

}  // namespace attnlim::cpu
