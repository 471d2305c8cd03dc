// The fused generate -> score -> reduce path (DESIGN.md principles 1-4). CPU twin: host/backend_cpu.cpp.
//
// Launch geometry (plan_launch): a launch covers one chunk [key_begin, key_end) of every trial of a
// group; grid = (blocks_per_trial, trials_per_launch) blocks of kFusedThreads threads; each thread walks
// the chunk with a 64-bit grid stride. Reduction story, thread -> block -> trial:
//   thread: count, min distance, per-beta (s0, s1, s2) in local arrays, sorted top-k in local arrays,
//           (--output-vector) the weighted tangential sum in a per-thread global scratch;
//   block:  cub::BlockReduce min of the thread minima; every thread shifts its sums to it (shift_sums) and
//           the block sums them in CUB's fixed order; the block's k nearest keys are picked by k rounds of
//           a block arg-min over the threads' sorted lists; one partial state + k candidates per block;
//   trial:  merge_kernel folds the block partials into a per-trial accumulator on the device with
//           merge_state, in block order (deterministic); the candidates of all blocks plus the
//           accumulator's own top-k are sorted per trial with cub::DeviceSegmentedRadixSort and the k
//           nearest by (distance, index) kept. The accumulator persists across chunk launches, so memory
//           never depends on n.
#include <cub/block/block_reduce.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <thrust/device_vector.h>
#include <thrust/fill.h>
#include <thrust/system_error.h>

#include <algorithm>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "attnlim/cuda_backend.hpp"
#include "attnlim/cuda_bench.hpp"
#include "attnlim/errors.hpp"
#include "attnlim/sampler.hpp"
#include "attnlim/softmax_state.hpp"
#include "check.cuh"

namespace attnlim::cuda {
namespace {

constexpr int kThreads = kFusedThreads;
constexpr int kKeyBatch = 4;                     // distances held in registers per beta sweep
constexpr std::uint64_t kMinKeysPerThread = 32;  // below this, fewer blocks per trial, more trials per launch
constexpr std::uint64_t kMaxGridY = 65535;
constexpr int kMergeThreads = kMaxBetas;         // one merge thread per beta
constexpr std::uint64_t kNoKey = ~std::uint64_t{0};  // sentinel index: never a key (index < n <= 2^64 - 1)
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Betas by value in the kernel parameters (constant bank): no global symbol, so concurrent calls are safe.
struct BetaGrid {
  double value[kMaxBetas];
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

struct FusedArgs {
  std::uint64_t seed;
  std::uint32_t first_trial;  // trial number of blockIdx.y == 0
  std::uint64_t key_begin, key_end;
  int d, sampler, top_k, tangent_dim;
  std::uint64_t region;  // doubles per thread in scratch: nb*td (vec) + td (tangential) + nb (factors)
  std::uint64_t* part_count;  // [block]            block = blockIdx.y * gridDim.x + blockIdx.x
  double* part_min;           // [block]
  double* part_sums;          // [block][s0|s1|s2][beta]
  double* part_vec;           // [block][beta][tangent_dim]
  double* cand_distance;      // [trial in group][(gridDim.x + 1) * k]: k per block + the accumulator's k
  std::uint64_t* cand_index;
  const double* acc_top_distance;  // [trial in group][k]
  const std::uint64_t* acc_top_index;
  const int* acc_top_size;
  double* scratch;  // [block * kThreads + thread][region]
};

struct MergeArgs {
  std::uint64_t blocks_per_trial;
  int tangent_dim, top_k;
  const std::uint64_t* part_count;
  const double* part_min;
  const double* part_sums;
  const double* part_vec;
  const double* sorted_distance;  // per trial, (blocks_per_trial + 1) * k, ascending distance
  const std::uint64_t* sorted_index;
  std::uint64_t* acc_count;
  double* acc_min;
  double* acc_sums;  // [trial][s0|s1|s2][beta]
  double* acc_vec;   // [trial][beta][tangent_dim]
  double* acc_top_distance;
  std::uint64_t* acc_top_index;
  int* acc_top_size;
};

struct ThreadState {
  std::uint64_t count;
  double min_distance;
  double s0[kMaxBetas], s1[kMaxBetas], s2[kMaxBetas];
  int top_size;
  double threshold;  // top_distance[k - 1] once the buffer is full
  double top_distance[kMaxTopK];
  std::uint64_t top_index[kMaxTopK];
};

using BlockReduceCount = cub::BlockReduce<std::uint64_t, kThreads>;
using BlockReduceDistance = cub::BlockReduce<double, kThreads>;
using BlockReduceSums = cub::BlockReduce<BetaSums, kThreads>;
using BlockReduceCandidate = cub::BlockReduce<Candidate, kThreads>;

union BlockTemp {
  BlockReduceCount::TempStorage count;
  BlockReduceDistance::TempStorage distance;
  BlockReduceSums::TempStorage sums;
  BlockReduceCandidate::TempStorage candidate;
};

// ---- thread level ----------------------------------------------------------------------------------

__device__ __forceinline__ double sample_key(const FusedArgs& a, std::uint32_t trial, std::uint64_t key,
                                             double* tangential) {
  return a.sampler == static_cast<int>(SamplerTier::full) ? sample_full_key(a.seed, trial, key, a.d, tangential)
                                                          : sample_projected_key(a.seed, trial, key, a.d);
}

__device__ __forceinline__ void offer_top_k(ThreadState& st, int k, double e, std::uint64_t key) {
  if (k == 0) return;
  // A full buffer rejects anything farther than its last entry: skip the local-memory probe then.
  if (st.top_size == k && e > st.threshold) return;
  topk_insert(st.top_distance, st.top_index, st.top_size, k, e, key);
  if (st.top_size == k) st.threshold = st.top_distance[k - 1];
}

// Scalar path: kKeyBatch distances in registers, then one sweep over the betas, so each beta's sums are
// loaded and stored once per batch rather than once per key. Per beta, accumulate_key on one-beta
// scalars performs exactly the updates the all-betas call would (betas never interact).
__device__ __forceinline__ void scan_keys_scalar(const FusedArgs& a, const BetaGrid& grid, std::uint32_t trial,
                                                 std::uint64_t first_offset, std::uint64_t stride,
                                                 ThreadState& st) {
  const std::uint64_t range = a.key_end - a.key_begin;
  for (std::uint64_t base = first_offset; base < range; base += kKeyBatch * stride) {
    double e[kKeyBatch];
    int valid = 0;
#pragma unroll
    for (int j = 0; j < kKeyBatch; ++j) {
      const std::uint64_t offset = base + j * stride;
      e[j] = 0.0;
      if (offset < range) {
        const std::uint64_t key = a.key_begin + offset;
        e[j] = sample_key(a, trial, key, nullptr);
        offer_top_k(st, a.top_k, e[j], key);
        valid = j + 1;
      }
    }
    std::uint64_t count_after = st.count;
    double min_after = st.min_distance;
    for (int b = 0; b < grid.count; ++b) {
      const double beta = grid.value[b];
      std::uint64_t count = st.count;
      double min_distance = st.min_distance;
      double s0 = st.s0[b], s1 = st.s1[b], s2 = st.s2[b];
#pragma unroll
      for (int j = 0; j < kKeyBatch; ++j)
        if (j < valid) accumulate_key(e[j], nullptr, 0, &beta, 1, count, min_distance, &s0, &s1, &s2, nullptr);
      st.s0[b] = s0;
      st.s1[b] = s1;
      st.s2[b] = s2;
      count_after = count;  // identical for every beta
      min_after = min_distance;
    }
    st.count = count_after;
    st.min_distance = min_after;
  }
}

// Vector path: one key at a time with the core's all-betas update; vec and tangential live in this
// thread's global scratch (the core primitives want contiguous arrays).
__device__ __forceinline__ void scan_keys_vector(const FusedArgs& a, const BetaGrid& grid, std::uint32_t trial,
                                                 std::uint64_t first_offset, std::uint64_t stride,
                                                 ThreadState& st, double* vec, double* tangential) {
  double betas[kMaxBetas];
  for (int b = 0; b < grid.count; ++b) betas[b] = grid.value[b];
  const std::uint64_t range = a.key_end - a.key_begin;
  for (std::uint64_t offset = first_offset; offset < range; offset += stride) {
    const std::uint64_t key = a.key_begin + offset;
    const double e = sample_key(a, trial, key, tangential);
    offer_top_k(st, a.top_k, e, key);
    accumulate_key(e, tangential, a.tangent_dim, betas, grid.count, st.count, st.min_distance, st.s0, st.s1,
                   st.s2, vec);
  }
}

// ---- block level -------------------------------------------------------------------------------------

// Count, min and per-beta sums of the block, written by thread 0 as the block's partial state.
__device__ __forceinline__ void block_reduce_state(const FusedArgs& a, const BetaGrid& grid, const ThreadState& st,
                                                   std::uint64_t block, BlockTemp& temp, double& shared_min) {
  const int nb = grid.count;
  const std::uint64_t block_count = BlockReduceCount(temp.count).Sum(st.count);
  __syncthreads();
  const double reduced_min = BlockReduceDistance(temp.distance).Reduce(st.count ? st.min_distance : kInfinity, MinOf{});
  if (threadIdx.x == 0) {
    shared_min = reduced_min;
    a.part_count[block] = block_count;
    a.part_min[block] = reduced_min;
  }
  __syncthreads();
  const double block_min = shared_min;
  double* sums = a.part_sums + block * 3 * nb;
  for (int b = 0; b < nb; ++b) {
    const BetaSums mine = st.count ? shift_sums(BetaSums{st.s0[b], st.s1[b], st.s2[b]}, grid.value[b],
                                                st.min_distance, block_min)
                                   : BetaSums{0.0, 0.0, 0.0};
    const BetaSums total = BlockReduceSums(temp.sums).Reduce(mine, SumOfBetaSums{});
    if (threadIdx.x == 0) {
      sums[b] = total.s0;
      sums[nb + b] = total.s1;
      sums[2 * nb + b] = total.s2;
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
  double* out = a.part_vec + block * nb * td;
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

// The block's k nearest keys by (distance, index): k rounds of a block arg-min over the heads of the
// threads' sorted lists; the winner's owner (indices are unique) advances. Short blocks pad with kNoKey.
__device__ __forceinline__ void block_select_top_k(const FusedArgs& a, const ThreadState& st, BlockTemp& temp,
                                                   Candidate& shared_winner) {
  const int k = a.top_k;
  const std::uint64_t segment = static_cast<std::uint64_t>(blockIdx.y) * (gridDim.x + 1ull) * k;
  double* out_distance = a.cand_distance + segment + static_cast<std::uint64_t>(blockIdx.x) * k;
  std::uint64_t* out_index = a.cand_index + segment + static_cast<std::uint64_t>(blockIdx.x) * k;
  int head = 0;
  for (int round = 0; round < k; ++round) {
    const Candidate mine = head < st.top_size ? Candidate{st.top_distance[head], st.top_index[head]}
                                              : Candidate{kInfinity, kNoKey};
    const Candidate best = BlockReduceCandidate(temp.candidate).Reduce(mine, NearerOf{});
    if (threadIdx.x == 0) {
      shared_winner = best;
      out_distance[round] = best.distance;
      out_index[round] = best.index;
    }
    __syncthreads();
    if (head < st.top_size && st.top_index[head] == shared_winner.index) ++head;
    __syncthreads();  // temp and shared_winner are reused by the next round
  }
  // Block 0 of each trial also carries the accumulator's top-k (earlier chunks) into the last slot, so the
  // segmented sort sees every candidate. merge_kernel rewrites the accumulator only after this kernel.
  if (blockIdx.x == 0) {
    const std::uint64_t slot = segment + static_cast<std::uint64_t>(gridDim.x) * k;
    const std::uint64_t acc = static_cast<std::uint64_t>(blockIdx.y) * k;
    const int acc_size = a.acc_top_size[blockIdx.y];
    for (int r = threadIdx.x; r < k; r += kThreads) {
      a.cand_distance[slot + r] = r < acc_size ? a.acc_top_distance[acc + r] : kInfinity;
      a.cand_index[slot + r] = r < acc_size ? a.acc_top_index[acc + r] : kNoKey;
    }
  }
}

// ---- kernels -------------------------------------------------------------------------------------------

__global__ void __launch_bounds__(kThreads) fused_trial_kernel(const FusedArgs a, const BetaGrid grid) {
  __shared__ BlockTemp temp;
  __shared__ double shared_min;
  __shared__ Candidate shared_winner;

  const std::uint32_t trial = a.first_trial + blockIdx.y;
  const std::uint64_t block = static_cast<std::uint64_t>(blockIdx.y) * gridDim.x + blockIdx.x;
  const std::uint64_t first_offset = static_cast<std::uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * kThreads;
  const int nb = grid.count;

  ThreadState st;
  st.count = 0;
  st.min_distance = kInfinity;
  st.top_size = 0;
  st.threshold = kInfinity;
  for (int b = 0; b < nb; ++b) st.s0[b] = st.s1[b] = st.s2[b] = 0.0;

  double* region = nullptr;
  if (a.tangent_dim == 0) {
    scan_keys_scalar(a, grid, trial, first_offset, stride, st);
  } else {
    region = a.scratch + (block * kThreads + threadIdx.x) * a.region;
    const std::uint64_t vec_size = static_cast<std::uint64_t>(nb) * a.tangent_dim;
    for (std::uint64_t j = 0; j < vec_size; ++j) region[j] = 0.0;  // accumulate_key scales it by 0 first
    scan_keys_vector(a, grid, trial, first_offset, stride, st, region, region + vec_size);
  }

  block_reduce_state(a, grid, st, block, temp, shared_min);
  if (a.tangent_dim != 0) {
    const std::uint64_t td = static_cast<std::uint64_t>(a.tangent_dim);
    block_reduce_vector(a, grid, st, block, shared_min, region + nb * td + td);
  }
  if (a.top_k > 0) block_select_top_k(a, st, temp, shared_winner);
}

// One block per trial of the group. Thread b folds beta b of every block partial into the accumulator in
// block order (merge_state on one beta: count and min evolve identically for every beta); thread 0 then
// rebuilds the accumulator's top-k from the trial's sorted candidates.
__global__ void __launch_bounds__(kMergeThreads) merge_kernel(const MergeArgs a, const BetaGrid grid) {
  const std::uint64_t g = blockIdx.x;
  const int nb = grid.count;
  const std::uint64_t td = static_cast<std::uint64_t>(a.tangent_dim);
  const std::uint64_t start_count = a.acc_count[g];
  const double start_min = a.acc_min[g];
  __syncthreads();  // everyone has read the accumulator's count and min before thread 0 rewrites them

  std::uint64_t final_count = start_count;
  double final_min = start_min;
  double* acc = a.acc_sums + g * 3 * nb;
  for (int b = threadIdx.x; b < nb; b += blockDim.x) {
    const double beta = grid.value[b];
    std::uint64_t count = start_count;
    double min_distance = start_min;
    double* acc_vec = td ? a.acc_vec + (g * nb + b) * td : nullptr;
    for (std::uint64_t x = 0; x < a.blocks_per_trial; ++x) {
      const std::uint64_t part = g * a.blocks_per_trial + x;
      const double* sums = a.part_sums + part * 3 * nb;
      const double* part_vec = td ? a.part_vec + (part * nb + b) * td : nullptr;
      merge_state(&beta, 1, a.tangent_dim, count, min_distance, acc + b, acc + nb + b, acc + 2 * nb + b, acc_vec,
                  a.part_count[part], a.part_min[part], sums + b, sums + nb + b, sums + 2 * nb + b, part_vec);
    }
    final_count = count;
    final_min = min_distance;
  }
  if (threadIdx.x == 0) {
    a.acc_count[g] = final_count;
    a.acc_min[g] = final_min;
    const int k = a.top_k;
    if (k > 0) {
      const std::uint64_t length = (a.blocks_per_trial + 1) * k;
      const double* distance = a.sorted_distance + g * length;
      const std::uint64_t* index = a.sorted_index + g * length;
      double* top_distance = a.acc_top_distance + g * k;
      std::uint64_t* top_index = a.acc_top_index + g * k;
      int size = 0;
      // Sorted by distance only: keep inserting through ties at the k-th distance so that the order is
      // (distance, index) exactly like the host; stop at the first strictly farther entry.
      for (std::uint64_t i = 0; i < length; ++i) {
        if (index[i] == kNoKey) break;  // padding sorts last (infinite distance)
        if (size == k && distance[i] > top_distance[k - 1]) break;
        topk_insert(top_distance, top_index, size, k, distance[i], index[i]);
      }
      a.acc_top_size[g] = size;
    }
  }
}

// ---- host ----------------------------------------------------------------------------------------------

void check_config(const SimConfig& c) {
  // validate() lives in the host library; these are the conditions the kernels' memory safety rests on.
  if (c.d < 2) throw InputError("--d: must be at least 2");
  if (c.n < 1) throw InputError("--n: must be at least 1");
  if (c.trials < 1) throw InputError("--trials: must be at least 1");
  if (c.first_trial + c.trials > (std::uint64_t{1} << 32) || c.first_trial + c.trials < c.first_trial)
    throw InputError("--trials: trial numbers must fit in 32 bits");
  if (c.betas.empty() || c.betas.size() > static_cast<std::size_t>(kMaxBetas))
    throw InputError("--beta: between 1 and " + std::to_string(kMaxBetas) + " values per pass");
  if (c.top_k < 0 || c.top_k > kMaxTopK || static_cast<std::uint64_t>(c.top_k) > c.n)
    throw InputError("--top-k: must be between 0 and min(n, " + std::to_string(kMaxTopK) + ")");
  if (c.output_vector && c.sampler != SamplerTier::full)
    throw InputError("--sampler: projected keys carry no direction; use --sampler full with --output-vector");
}

template <class T>
T* raw(thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}

template <class T>
std::vector<T> download(const thrust::device_vector<T>& v, std::size_t count) {
  std::vector<T> host(count);
  if (count)
    ATTNLIM_CUDA_CHECK(cudaMemcpy(host.data(), thrust::raw_pointer_cast(v.data()), count * sizeof(T),
                                  cudaMemcpyDeviceToHost));
  return host;
}

std::vector<TrialState> run_trials_on_device(const SimConfig& config, const LaunchOptions& options) {
  int device = 0, sm_count = 0, blocks_per_sm = 0;
  ATTNLIM_CUDA_CHECK(cudaGetDevice(&device));
  ATTNLIM_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device));
  ATTNLIM_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, fused_trial_kernel, kThreads, 0));
  if (blocks_per_sm < 1) blocks_per_sm = 1;
  const LaunchPlan plan =
      plan_launch(config, static_cast<std::uint64_t>(sm_count) * static_cast<std::uint64_t>(blocks_per_sm), options);

  const int nb = static_cast<int>(config.betas.size());
  const int td = config.tangent_dim();
  const int k = config.top_k;
  const std::uint64_t bx = plan.blocks_per_trial, group = plan.trials_per_launch;
  const std::uint64_t slots = bx * group;
  const std::uint64_t region = td ? static_cast<std::uint64_t>(nb) * td + td + nb : 0;
  const std::uint64_t segment = (bx + 1) * static_cast<std::uint64_t>(k);

  thrust::device_vector<std::uint64_t> part_count(slots);
  thrust::device_vector<double> part_min(slots), part_sums(slots * 3 * nb), part_vec(slots * nb * td);
  thrust::device_vector<double> scratch(slots * kThreads * region);
  thrust::device_vector<double> cand_distance(group * segment), sorted_distance(group * segment);
  thrust::device_vector<std::uint64_t> cand_index(group * segment), sorted_index(group * segment);
  thrust::device_vector<std::uint64_t> acc_count(group);
  thrust::device_vector<double> acc_min(group), acc_sums(group * 3 * nb), acc_vec(group * nb * td);
  thrust::device_vector<double> acc_top_distance(group * k);
  thrust::device_vector<std::uint64_t> acc_top_index(group * k);
  thrust::device_vector<int> acc_top_size(group);
  thrust::device_vector<unsigned char> sort_storage;
  std::vector<int> host_offsets(group + 1);
  for (std::uint64_t g = 0; g <= group; ++g) host_offsets[g] = static_cast<int>(g * segment);
  thrust::device_vector<int> offsets(host_offsets.begin(), host_offsets.end());

  BetaGrid grid{};
  grid.count = nb;
  for (int b = 0; b < nb; ++b) grid.value[b] = config.betas[b];

  FusedArgs fused{};
  fused.seed = config.seed;
  fused.d = config.d;
  fused.sampler = static_cast<int>(config.sampler);
  fused.top_k = k;
  fused.tangent_dim = td;
  fused.region = region;
  fused.part_count = raw(part_count);
  fused.part_min = raw(part_min);
  fused.part_sums = raw(part_sums);
  fused.part_vec = raw(part_vec);
  fused.cand_distance = raw(cand_distance);
  fused.cand_index = raw(cand_index);
  fused.acc_top_distance = raw(acc_top_distance);
  fused.acc_top_index = raw(acc_top_index);
  fused.acc_top_size = raw(acc_top_size);
  fused.scratch = raw(scratch);

  MergeArgs merge{};
  merge.blocks_per_trial = bx;
  merge.tangent_dim = td;
  merge.top_k = k;
  merge.part_count = raw(part_count);
  merge.part_min = raw(part_min);
  merge.part_sums = raw(part_sums);
  merge.part_vec = raw(part_vec);
  merge.sorted_distance = raw(sorted_distance);
  merge.sorted_index = raw(sorted_index);
  merge.acc_count = raw(acc_count);
  merge.acc_min = raw(acc_min);
  merge.acc_sums = raw(acc_sums);
  merge.acc_vec = raw(acc_vec);
  merge.acc_top_distance = raw(acc_top_distance);
  merge.acc_top_index = raw(acc_top_index);
  merge.acc_top_size = raw(acc_top_size);

  std::vector<TrialState> result;
  result.reserve(config.trials);
  for (std::uint64_t group_first = 0; group_first < config.trials; group_first += group) {
    const std::uint64_t trials_now = std::min(group, config.trials - group_first);
    thrust::fill(acc_count.begin(), acc_count.end(), std::uint64_t{0});
    thrust::fill(acc_min.begin(), acc_min.end(), kInfinity);
    thrust::fill(acc_sums.begin(), acc_sums.end(), 0.0);
    thrust::fill(acc_vec.begin(), acc_vec.end(), 0.0);
    thrust::fill(acc_top_size.begin(), acc_top_size.end(), 0);
    fused.first_trial = static_cast<std::uint32_t>(config.first_trial + group_first);

    for (std::uint64_t launch = 0; launch < plan.launches_per_trial; ++launch) {
      fused.key_begin = launch * plan.chunk;
      fused.key_end = config.n - fused.key_begin > plan.chunk ? fused.key_begin + plan.chunk : config.n;
      fused_trial_kernel<<<dim3(static_cast<unsigned>(bx), static_cast<unsigned>(trials_now)), kThreads>>>(fused,
                                                                                                          grid);
      ATTNLIM_CUDA_CHECK_LAUNCH(fused_trial_kernel);
      if (k > 0) {
        const int items = static_cast<int>(trials_now * segment);
        const int segments = static_cast<int>(trials_now);
        std::size_t bytes = 0;
        ATTNLIM_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(
            nullptr, bytes, raw(cand_distance), raw(sorted_distance), raw(cand_index), raw(sorted_index), items,
            segments, raw(offsets), raw(offsets) + 1));
        if (sort_storage.size() < bytes) sort_storage.resize(bytes);
        ATTNLIM_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(
            raw(sort_storage), bytes, raw(cand_distance), raw(sorted_distance), raw(cand_index), raw(sorted_index),
            items, segments, raw(offsets), raw(offsets) + 1));
      }
      merge_kernel<<<static_cast<unsigned>(trials_now), kMergeThreads>>>(merge, grid);
      ATTNLIM_CUDA_CHECK_LAUNCH(merge_kernel);
    }

    const std::vector<std::uint64_t> count = download(acc_count, trials_now);
    const std::vector<double> min_distance = download(acc_min, trials_now);
    const std::vector<double> sums = download(acc_sums, trials_now * 3 * nb);
    const std::vector<double> vec = download(acc_vec, trials_now * nb * td);
    const std::vector<double> top_distance = download(acc_top_distance, trials_now * k);
    const std::vector<std::uint64_t> top_index = download(acc_top_index, trials_now * k);
    const std::vector<int> top_size = download(acc_top_size, trials_now);
    for (std::uint64_t g = 0; g < trials_now; ++g) {
      TrialState state(nb, td, k);
      state.count = count[g];
      state.min_distance = min_distance[g];
      const double* s = sums.data() + g * 3 * nb;
      std::copy(s, s + nb, state.s0.begin());
      std::copy(s + nb, s + 2 * nb, state.s1.begin());
      std::copy(s + 2 * nb, s + 3 * nb, state.s2.begin());
      const std::size_t vec_size = static_cast<std::size_t>(nb) * td;
      std::copy(vec.begin() + g * vec_size, vec.begin() + (g + 1) * vec_size, state.vec.begin());
      state.top_size = top_size[g];
      std::copy(top_distance.begin() + g * k, top_distance.begin() + (g + 1) * k, state.top_distance.begin());
      std::copy(top_index.begin() + g * k, top_index.begin() + (g + 1) * k, state.top_index.begin());
      result.push_back(std::move(state));
    }
  }
  return result;
}

}  // namespace

LaunchPlan plan_launch(const SimConfig& config, std::uint64_t resident_blocks, const LaunchOptions& options) {
  LaunchPlan plan;
  const std::uint64_t nb = config.betas.size();
  const std::uint64_t td = static_cast<std::uint64_t>(config.tangent_dim());
  const std::uint64_t k = static_cast<std::uint64_t>(std::max(config.top_k, 0));
  const std::uint64_t region = td ? nb * td + td + nb : 0;  // doubles of scratch per thread

  plan.chunk = std::max<std::uint64_t>(1, std::min(options.chunk, config.n));
  plan.launches_per_trial = config.n / plan.chunk + (config.n % plan.chunk != 0);

  std::uint64_t max_blocks = std::max<std::uint64_t>(1, resident_blocks);  // one full wave: equal work per block
  if (options.max_blocks) max_blocks = std::min(max_blocks, options.max_blocks);
  if (region) {
    const std::uint64_t block_scratch = static_cast<std::uint64_t>(kThreads) * region * sizeof(double);
    max_blocks = std::min(max_blocks, std::max<std::uint64_t>(1, kVectorScratchBytes / block_scratch));
  }
  const std::uint64_t threads = static_cast<std::uint64_t>(kThreads);
  const std::uint64_t wanted = (plan.chunk + threads * kMinKeysPerThread - 1) / (threads * kMinKeysPerThread);
  plan.blocks_per_trial = std::clamp<std::uint64_t>(wanted, 1, max_blocks);
  plan.trials_per_launch =
      std::clamp<std::uint64_t>(max_blocks / plan.blocks_per_trial, 1, std::min(config.trials, kMaxGridY));

  const std::uint64_t slots = plan.blocks_per_trial * plan.trials_per_launch;
  const std::uint64_t group = plan.trials_per_launch;
  const std::uint64_t candidates = group * (plan.blocks_per_trial + 1) * k;
  plan.scratch_bytes = slots * threads * region * sizeof(double);
  plan.device_bytes = plan.scratch_bytes +
                      slots * (16 + 24 * nb + 8 * nb * td) +       // block partials
                      4 * candidates * 8 +                         // candidates, sorted copies
                      2 * candidates * 8 + (std::uint64_t{1} << 20) +  // CUB sort storage (estimate)
                      4 * (group + 1) +                            // segment offsets
                      group * (20 + 24 * nb + 8 * nb * td + 16 * k);  // per-trial accumulators
  return plan;
}

std::vector<TrialState> run_trials(const SimConfig& config, const LaunchOptions& options) {
  check_config(config);
  try {
    return run_trials_on_device(config, options);
  } catch (const DeviceError&) {
    throw;
  } catch (const thrust::system_error& e) {
    throw DeviceError(std::string("fused.cu: device vector operation failed: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw DeviceError("fused.cu: device allocation failed (out of memory)");
  }
}

std::vector<TrialState> run_trials(const SimConfig& config) { return run_trials(config, LaunchOptions{}); }

}  // namespace attnlim::cuda
