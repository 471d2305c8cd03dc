// The per-trial steps after each fused launch (non-template, one translation unit each): sort every
// trial's candidates (sort.cu) and fold the blocks' partials into the trial accumulators (merge.cu).
#pragma once
#include <cstdint>

#include "../device_array.cuh"
#include "args.cuh"

namespace attnlim::cuda::fused {

// Sorts each of `segments` segments of `segment_length` candidates by distance (stable: ties keep their
// order), into sorted_*; `storage` grows as CUB needs.
void sort_candidates(const double* distance, const std::uint64_t* index, double* sorted_distance,
                     std::uint64_t* sorted_index, std::uint64_t segments, std::uint64_t segment_length,
                     const int* offsets, DeviceArray<unsigned char>& storage);

// One block per trial of the group: folds every block partial into the trial's accumulator in block order,
// then rebuilds the accumulator's top-k from the sorted candidates.
void launch_merge(const MergeArgs& args, const BetaGrid& grid, std::uint64_t trials);

}  // namespace attnlim::cuda::fused
