// Block level of the fused kernel: the block's partial state (CUB block reductions in a fixed order) and
// its k nearest keys as candidates for the per-trial merge.
#pragma once
#include <cub/block/block_reduce.cuh>

#include <cmath>

#include "thread.cuh"

namespace attnlim::cuda::fused {

using BlockReduceCount = cub::BlockReduce<std::uint64_t, kThreads>;
using BlockReduceDistance = cub::BlockReduce<double, kThreads>;
using BlockReduceSums = cub::BlockReduce<BetaSums, kThreads>;
using BlockReduceCandidate = cub::BlockReduce<Candidate, kThreads>;

union BlockTemp {
  typename BlockReduceCount::TempStorage count;
  typename BlockReduceDistance::TempStorage distance;
  typename BlockReduceSums::TempStorage sums;
  typename BlockReduceCandidate::TempStorage candidate;
};

// Count, min and per-beta sums of the block, written by thread 0 as the block's partial state. count_share: the
// keys this thread adds to the block's count (st.count on the thread path; the warp path counts each warp once).
__device__ __forceinline__ void block_reduce_state(const FusedArgs& a, const BetaGrid& grid, const ThreadState& st,
                                                   std::uint64_t count_share, std::uint64_t block, BlockTemp& temp,
                                                   double& shared_min) {
  const int nb = grid.count;
  const std::uint64_t block_count = BlockReduceCount(temp.count).Sum(count_share);
  __syncthreads();
  const double reduced_min = BlockReduceDistance(temp.distance).Reduce(st.count ? st.min_distance : kInfinity, MinOf{});
  if (threadIdx.x == 0) {
    shared_min = reduced_min;
    a.part.count[block] = block_count;
    a.part.min_distance[block] = reduced_min;
  }
  __syncthreads();
  const double block_min = shared_min;
  for (int b = 0; b < nb; ++b) {
    const BetaSums mine = st.count ? shift_sums(BetaSums{st.s0[b], st.s1[b], st.s2[b]}, grid.value[b],
                                                st.min_distance, block_min)
                                   : BetaSums{0.0, 0.0, 0.0};
    const BetaSums total = BlockReduceSums(temp.sums).Reduce(mine, SumOfBetaSums{});
    if (threadIdx.x == 0) {
      a.part.sums[a.layout.s0(block, b)] = total.s0;
      a.part.sums[a.layout.s1(block, b)] = total.s1;
      a.part.sums[a.layout.s2(block, b)] = total.s2;
    }
    __syncthreads();  // temp is reused by the next beta
  }
}

// --output-vector: every thread publishes f_b = e^{-beta_b (m_thread - m_block)} (the factor shift_sums
// applied to its s0), then thread j sums component j over the block's threads in thread order.
__device__ __forceinline__ void block_reduce_vector(const FusedArgs& a, const BetaGrid& grid, const ThreadState& st,
                                                    std::uint64_t block, double block_min, double* factor) {
  const int nb = grid.count;
  const std::uint64_t td = static_cast<std::uint64_t>(a.tangent_dim);
  for (int b = 0; b < nb; ++b)
    factor[b] = st.count ? std::exp(-grid.value[b] * (st.min_distance - block_min)) : 0.0;
  __syncthreads();  // makes every thread's global scratch visible to the block
  const double* block_scratch = a.scratch + block * kThreads * a.region;
  const std::uint64_t factor_offset = static_cast<std::uint64_t>(nb) * td + td;
  double* out = a.part.vec + a.layout.vec(block, 0);
  for (std::uint64_t j = threadIdx.x; j < nb * td; j += kThreads) {
    const std::uint64_t b = j / td;
    double total = 0.0;
    for (int t = 0; t < kThreads; ++t) {
      const double* region = block_scratch + t * a.region;
      total += region[factor_offset + b] * region[j];
    }
    out[j] = total;
  }
}

// k rounds of a block arg-min by (distance, index): `head()` gives this thread's nearest candidate not yet taken
// ({infinity, kNoKey} when it has none), `advance()` moves past it when it won (indices are unique, so one thread
// does), and thread 0 receives each round's winner by `take(round, winner)` (kNoKey once every thread is spent).
template <class Head, class Advance, class Take>
__device__ __forceinline__ void block_arg_min_rounds(int k, BlockTemp& temp, Candidate& shared_winner, Head head,
                                                     Advance advance, Take take) {
  for (int round = 0; round < k; ++round) {
    const Candidate mine = head();
    const Candidate best = BlockReduceCandidate(temp.candidate).Reduce(mine, NearerOf{});
    if (threadIdx.x == 0) {
      shared_winner = best;
      take(round, best);
    }
    __syncthreads();
    if (mine.index != kNoKey && mine.index == shared_winner.index) advance();
    __syncthreads();  // temp and shared_winner are reused by the next round
  }
}

// The block's k nearest keys by (distance, index), merged from the threads' sorted lists by
// block_arg_min_rounds. Short blocks pad with kNoKey.
__device__ __forceinline__ void block_select_top_k(const FusedArgs& a, const ThreadState& st, BlockTemp& temp,
                                                   Candidate& shared_winner) {
  const int k = a.top_k;
  const std::uint64_t segment = static_cast<std::uint64_t>(blockIdx.y) * (gridDim.x + 1ull) * k;
  double* out_distance = a.cand_distance + segment + static_cast<std::uint64_t>(blockIdx.x) * k;
  std::uint64_t* out_index = a.cand_index + segment + static_cast<std::uint64_t>(blockIdx.x) * k;
  int head = 0;
  block_arg_min_rounds(
      k, temp, shared_winner,
      [&] {
        return head < st.top_size ? Candidate{st.top_distance[head], st.top_index[head]}
                                  : Candidate{kInfinity, kNoKey};
      },
      [&] { ++head; },
      [&](int round, const Candidate& winner) {
        out_distance[round] = winner.distance;
        out_index[round] = winner.index;
      });
  // Block 0 of each trial also carries the accumulator's top-k (earlier chunks) into the last slot, so the trial's
  // fold sees every candidate. The fold rewrites the accumulator only after every block of the trial counted itself
  // done (trial.cuh), or after this kernel (merge_kernel), and reads the accumulator's list from this copy.
  if (blockIdx.x == 0) {
    const std::uint64_t slot = segment + static_cast<std::uint64_t>(gridDim.x) * k;
    const std::uint64_t acc = a.layout.top(blockIdx.y);
    const int acc_size = a.acc.top_size[blockIdx.y];
    for (int r = threadIdx.x; r < k; r += kThreads) {
      a.cand_distance[slot + r] = r < acc_size ? a.acc.top_distance[acc + r] : kInfinity;
      a.cand_index[slot + r] = r < acc_size ? a.acc.top_index[acc + r] : kNoKey;
    }
  }
}

}  // namespace attnlim::cuda::fused
