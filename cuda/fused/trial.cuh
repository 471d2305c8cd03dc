// Trial level inside the fused kernel (LaunchOptions::fold_in_kernel, the default): the last block of a trial to
// finish a launch folds every block's partial and candidates into the trial's accumulator, so a launch needs no
// candidate sort and no merge kernel after it (bench/NOTES.md). The same bits as those two at the same launch plan
// (fold.cuh's sums in block order; the same k nearest by (distance, index)): CudaFused.FoldInKernelChangesNoBit.
#pragma once
#include "block.cuh"
#include "fold.cuh"

namespace attnlim::cuda::fused {

// The trial's k nearest keys by (distance, index) into its accumulator's top-k: its candidate lists (k per block,
// then the accumulator's own k, which block 0 copied; each sorted, padded with kNoKey) merged by
// block_arg_min_rounds. Thread t owns lists t, t + kThreads, ...: their places (fold_heads) are its alone.
__device__ __forceinline__ void fold_top_k(const FusedArgs& a, std::uint64_t g, BlockTemp& temp,
                                           Candidate& shared_winner) {
  const int k = a.top_k;
  const std::uint64_t lists = gridDim.x + 1ull;
  const double* distance = a.cand_distance + g * lists * k;
  const std::uint64_t* index = a.cand_index + g * lists * k;
  int* head = a.fold_heads + g * lists;
  for (std::uint64_t l = threadIdx.x; l < lists; l += kThreads) head[l] = 0;
  double* top_distance = a.acc.top_distance + a.layout.top(g);
  std::uint64_t* top_index = a.acc.top_index + a.layout.top(g);
  // A thread's nearest head is found again only after its own list advanced (one thread a round).
  Candidate mine{kInfinity, kNoKey};
  std::uint64_t nearest_list = 0;
  bool stale = true;
  int size = 0;
  block_arg_min_rounds(
      k, temp, shared_winner,
      [&] {
        if (!stale) return mine;
        stale = false;
        mine = Candidate{kInfinity, kNoKey};
        for (std::uint64_t l = threadIdx.x; l < lists; l += kThreads) {
          const int h = head[l];
          if (h == k) continue;
          const Candidate c{__ldcg(distance + l * k + h), __ldcg(index + l * k + h)};
          if (c.index != kNoKey && nearer(c.distance, c.index, mine.distance, mine.index)) {
            mine = c;
            nearest_list = l;
          }
        }
        return mine;
      },
      [&] {
        ++head[nearest_list];
        stale = true;
      },
      [&](int round, const Candidate& winner) {
        if (winner.index == kNoKey) return;  // every list is spent
        top_distance[round] = winner.distance;
        top_index[round] = winner.index;
        size = round + 1;
      });
  if (threadIdx.x == 0) a.acc.top_size[g] = size;
}

// Called by every thread once its block's partial state and candidates are written. Each thread's writes are
// fenced before thread 0 counts the block done; the block that brings the trial's count to gridDim.x folds the
// trial (fold_partials in block order, whichever block is last, then fold_top_k) and sets the count back to 0 for
// the next launch. The accumulator of a trial is read by its blocks only (seed_threshold, accelerator_bounds,
// block 0's copy of its top-k), all before they count themselves done, so the fold may rewrite it.
__device__ __forceinline__ void fold_if_last_block(const FusedArgs& a, const BetaGrid& grid, BlockTemp& temp,
                                                   Candidate& shared_winner, bool& shared_last) {
  __threadfence();  // this thread's part of the partial state, candidates and vector sums, before the count
  __syncthreads();
  if (threadIdx.x == 0) shared_last = atomicAdd(a.blocks_done + blockIdx.y, 1ull) + 1ull == gridDim.x;
  __syncthreads();
  if (!shared_last) return;
  __threadfence();  // the other blocks' writes, published before their counts, are read after this one
  const std::uint64_t g = blockIdx.y;
  fold_partials(a.layout, a.part, a.acc, grid, g, gridDim.x);
  if (a.top_k > 0) fold_top_k(a, g, temp, shared_winner);
  if (threadIdx.x == 0) a.blocks_done[g] = 0;
}

}  // namespace attnlim::cuda::fused
