// What the fused path's kernels share: their arguments (buffers laid out by StateLayout), the beta grid,
// candidates of the top-k and the CUB reductions' operators.
//
// Launch geometry (plan_launch, host/engine/cuda_plan.cpp): a launch covers one chunk [key_begin, key_end)
// of every trial of a group; grid = (blocks_per_trial, trials_per_launch) blocks of kFusedThreads threads;
// each thread walks the chunk with a 64-bit grid stride. Reduction story, thread -> block -> trial:
//   thread (thread.cuh): count, min distance, per-beta (s0, s1, s2) in local arrays, sorted top-k in local
//           arrays, (--output-vector) the weighted tangential sum in a per-thread global scratch;
//   block (block.cuh):  cub::BlockReduce min of the thread minima; every thread shifts its sums to it
//           (shift_sums) and the block sums them in CUB's fixed order; the block's k nearest keys are picked
//           by k rounds of a block arg-min over the threads' sorted lists; one partial state + k candidates;
//   trial (fold.cuh):   the block partials are folded into a per-trial accumulator on the device with
//           merge_state, in block order (deterministic), and the k nearest by (distance, index) of all blocks'
//           candidates plus the accumulator's own top-k kept. By default the trial's last block to finish does
//           this inside the fused kernel (k rounds of a block arg-min over the candidate lists, each already
//           sorted); with LaunchOptions::fold_in_kernel off, merge_kernel does it after the launch (merge.cu),
//           from the candidates sorted per trial (sort.cu: cub::DeviceSegmentedRadixSort). The two give the
//           same bits at the same launch plan. The accumulators (one allocation per trial group, pack_states)
//           persist across chunk launches, so memory never depends on n.
#pragma once
#include <cstdint>
#include <limits>

#include "attnlim/core/common.hpp"
#include "attnlim/core/softmax.hpp"
#include "attnlim/core/topk.hpp"
#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/state/layout.hpp"

namespace attnlim::cuda::fused {

constexpr int kThreads = kFusedThreads;
constexpr int kKeyBatch = 4;                         // distances held in registers per beta sweep
constexpr int kMergeThreads = kMaxBetas;             // one merge thread per beta
constexpr std::uint64_t kNoKey = ~std::uint64_t{0};  // sentinel index: never a key (index < n <= 2^64 - 1)
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Betas by value in the kernel parameters (constant bank): no global symbol, so concurrent calls are safe.
// ascending[i]: the index of the i-th smallest beta (the scalar path stops at the first beta whose weights all
// underflow, and every larger beta's do too).
struct BetaGrid {
  double value[kMaxBetas];
  int ascending[kMaxBetas];
  int count;
};

struct Candidate {
  double distance;
  std::uint64_t index;
};

struct NearerOf {
  __device__ __forceinline__ Candidate operator()(const Candidate& a, const Candidate& b) const {
    return nearer(a.distance, a.index, b.distance, b.index) ? a : b;
  }
};
struct SumOfBetaSums {
  __device__ __forceinline__ BetaSums operator()(const BetaSums& a, const BetaSums& b) const {
    return BetaSums{a.s0 + b.s0, a.s1 + b.s1, a.s2 + b.s2};
  }
};
struct MinOf {
  __device__ __forceinline__ double operator()(double a, double b) const { return b < a ? b : a; }
};

// Mutable views of states in StateLayout: the blocks' partials (one state per block slot) and the per-trial
// accumulators (one per trial of the group).
struct StateViews {
  std::uint64_t* count;
  double* min_distance;
  double* sums;
  double* vec;
  double* top_distance;
  std::uint64_t* top_index;
  int* top_size;
};

struct FusedArgs {
  std::uint64_t seed;
  std::uint32_t first_trial;  // trial number of blockIdx.y == 0
  std::uint64_t key_begin, key_end;
  int top_k, tangent_dim;
  bool shortcuts;             // LaunchOptions::shortcuts
  bool accelerate;            // LaunchOptions::accelerate_keys (models with a DeviceAccelerator, scalar paths)
  std::uint64_t region;       // doubles per thread in scratch: nb*td (vec) + td (tangential) + nb (factors)
  StateLayout layout;
  StateViews part;            // slot = blockIdx.y * gridDim.x + blockIdx.x (count, min, sums, vec)
  double* cand_distance;      // [trial in group][(gridDim.x + 1) * k]: k per block + the accumulator's k
  std::uint64_t* cand_index;
  StateViews acc;             // the trials' accumulators (earlier chunks; minimum infinity before the first):
                              // read by every block, written only by a trial's last block when `fold`
  double* scratch;            // [slot * kThreads + thread][region]
  // LaunchOptions::fold_in_kernel: the last block of a trial to finish folds the trial's partials and candidates
  // into its accumulator (fold.cuh), instead of the sort and merge kernels after the launch.
  bool fold;
  unsigned long long* blocks_done;  // [trial in group]: blocks of this launch finished; 0 between launches
  int* fold_heads;                  // [trial in group][gridDim.x + 1]: the fold's place in each candidate list
};

struct MergeArgs {
  std::uint64_t blocks_per_trial;
  StateLayout layout;
  StateViews part;                // read
  StateViews acc;                 // read and written
  const double* sorted_distance;  // per trial, (blocks_per_trial + 1) * k, ascending distance
  const std::uint64_t* sorted_index;
};

}  // namespace attnlim::cuda::fused
