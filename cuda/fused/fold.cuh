// The trial level's sums (args.cuh's reduction story): the blocks' partial states folded into the trial's
// accumulator in block order, one thread per beta. Shared by merge_kernel (merge.cu, a launch of its own after
// the fused kernel) and the trial's last block inside the fused kernel (trial.cuh), so the two give the same bits.
#pragma once
#include "args.cuh"

namespace attnlim::cuda::fused {

// Reads of what other blocks of the same launch wrote, past the multiprocessor's L1 (ld.global.cg): L1 is not
// coherent between multiprocessors, and a line this multiprocessor cached for an earlier trial's fold in the same
// launch (the trials' partials lie side by side) could still hold another trial's old values.
struct ReadPastL1 {
  __device__ __forceinline__ double operator()(const double* p) const { return __ldcg(p); }
};

// Folds the `blocks` partials of trial g (slots g * blocks .. g * blocks + blocks - 1) into accumulator g in
// block order: thread b of the block (b < number of betas, stepping by blockDim.x) folds beta b with merge_state
// (count and minimum evolve identically for every beta), thread 0 writes the count and minimum. Every thread of
// the block calls it.
__device__ __forceinline__ void fold_partials(const StateLayout& layout, const StateViews& part,
                                              const StateViews& acc, const BetaGrid& grid, std::uint64_t g,
                                              std::uint64_t blocks) {
  const int nb = grid.count;
  const int td = layout.tangent_dim;
  const std::uint64_t start_count = acc.count[g];
  const double start_min = acc.min_distance[g];
  __syncthreads();  // everyone has read the accumulator's count and min before thread 0 rewrites them

  std::uint64_t final_count = start_count;
  double final_min = start_min;
  for (int b = threadIdx.x; b < nb; b += blockDim.x) {
    const double beta = grid.value[b];
    std::uint64_t count = start_count;
    double min_distance = start_min;
    double* acc_vec = td ? acc.vec + layout.vec(g, b) : nullptr;
    for (std::uint64_t x = 0; x < blocks; ++x) {
      const std::uint64_t slot = g * blocks + x;
      const double* part_vec = td ? part.vec + layout.vec(slot, b) : nullptr;
      merge_state(&beta, 1, td, count, min_distance, acc.sums + layout.s0(g, b), acc.sums + layout.s1(g, b),
                  acc.sums + layout.s2(g, b), acc_vec, __ldcg(part.count + slot), __ldcg(part.min_distance + slot),
                  part.sums + layout.s0(slot, b), part.sums + layout.s1(slot, b), part.sums + layout.s2(slot, b),
                  part_vec, ReadPastL1{});
    }
    final_count = count;
    final_min = min_distance;
  }
  if (threadIdx.x == 0) {  // thread 0 folded beta 0
    acc.count[g] = final_count;
    acc.min_distance[g] = final_min;
  }
}

}  // namespace attnlim::cuda::fused
