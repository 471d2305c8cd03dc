#include "device_steps.cuh"

namespace attnlim::cuda::fused {

namespace {

// One block per trial of the group. Thread b folds beta b of every block partial into the accumulator in
// block order (merge_state on one beta: count and min evolve identically for every beta); thread 0 then
// rebuilds the accumulator's top-k from the trial's sorted candidates.
__global__ void __launch_bounds__(kMergeThreads) merge_kernel(const MergeArgs a, const BetaGrid grid) {
  const std::uint64_t g = blockIdx.x;
  const int nb = grid.count;
  const int td = a.layout.tangent_dim;
  const std::uint64_t start_count = a.acc.count[g];
  const double start_min = a.acc.min_distance[g];
  __syncthreads();  // everyone has read the accumulator's count and min before thread 0 rewrites them

  std::uint64_t final_count = start_count;
  double final_min = start_min;
  for (int b = threadIdx.x; b < nb; b += blockDim.x) {
    const double beta = grid.value[b];
    std::uint64_t count = start_count;
    double min_distance = start_min;
    double* acc_vec = td ? a.acc.vec + a.layout.vec(g, b) : nullptr;
    for (std::uint64_t x = 0; x < a.blocks_per_trial; ++x) {
      const std::uint64_t part = g * a.blocks_per_trial + x;
      const double* part_vec = td ? a.part.vec + a.layout.vec(part, b) : nullptr;
      merge_state(&beta, 1, td, count, min_distance, a.acc.sums + a.layout.s0(g, b), a.acc.sums + a.layout.s1(g, b),
                  a.acc.sums + a.layout.s2(g, b), acc_vec, a.part.count[part], a.part.min_distance[part],
                  a.part.sums + a.layout.s0(part, b), a.part.sums + a.layout.s1(part, b),
                  a.part.sums + a.layout.s2(part, b), part_vec);
    }
    final_count = count;
    final_min = min_distance;
  }
  if (threadIdx.x == 0) {
    a.acc.count[g] = final_count;
    a.acc.min_distance[g] = final_min;
    const int k = a.layout.top_k;
    if (k > 0) {
      const std::uint64_t length = (a.blocks_per_trial + 1) * k;
      const double* distance = a.sorted_distance + g * length;
      const std::uint64_t* index = a.sorted_index + g * length;
      double* top_distance = a.acc.top_distance + a.layout.top(g);
      std::uint64_t* top_index = a.acc.top_index + a.layout.top(g);
      int size = 0;
      // Sorted by distance only: keep inserting through ties at the k-th distance so that the order is
      // (distance, index) exactly like the host; stop at the first strictly farther entry.
      for (std::uint64_t i = 0; i < length; ++i) {
        if (index[i] == kNoKey) break;  // padding sorts last (infinite distance)
        if (size == k && distance[i] > top_distance[k - 1]) break;
        topk_insert(top_distance, top_index, size, k, distance[i], index[i]);
      }
      a.acc.top_size[g] = size;
    }
  }
}

}  // namespace

void launch_merge(const MergeArgs& args, const BetaGrid& grid, std::uint64_t trials) {
  launch(merge_kernel, static_cast<unsigned>(trials), kMergeThreads, 0, args, grid);
  ATTNLIM_CUDA_CHECK_LAUNCH(merge_kernel);
}

}  // namespace attnlim::cuda::fused
