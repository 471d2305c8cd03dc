#include "device_steps.cuh"
#include "fold.cuh"

namespace attnlim::cuda::fused {

namespace {

// One block per trial of the group: fold_partials (thread b folds beta b of every block partial into the
// accumulator in block order), then thread 0 rebuilds the accumulator's top-k from the trial's sorted candidates.
__global__ void __launch_bounds__(kMergeThreads) merge_kernel(const MergeArgs a, const BetaGrid grid) {
  const std::uint64_t g = blockIdx.x;
  fold_partials(a.layout, a.part, a.acc, grid, g, a.blocks_per_trial);
  if (threadIdx.x == 0) {
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
