// The fused generate -> score -> reduce kernel (DESIGN.md principles 1-4), templated on the key model,
// the sampler tier and the output vector; the host picks the instantiation once per run. CPU twin:
// host/cpu/key_loop.hpp.
#pragma once
#include "trial.cuh"

namespace attnlim::cuda::fused {

// Warp: the per-beta sums over a warp's lanes (scan_keys_warp; scalar only), its own instantiation so that the
// default kernel's registers do not pay for it (one kernel with both paths took 92 registers instead of 70).
// Fold: the code of the in-kernel fold (trial.cuh; run when a.fold), which costs the kernel registers whether it
// runs or not; a model's kernel file may also build the kernel without it (kFoldlessKernelBuilt, launch.cuh).
template <class Model, class Tier, bool Vector, bool Warp = false, bool Fold = true>
__global__ void __launch_bounds__(kThreads) fused_trial_kernel(const FusedArgs a, const BetaGrid grid, const Model model) {
  static_assert(!(Vector && Warp), "the warp path has no output vector");
  __shared__ BlockTemp temp;
  __shared__ double shared_min;
  __shared__ Candidate shared_winner;
  __shared__ bool shared_last;

  const std::uint32_t trial = a.first_trial + blockIdx.y;
  const std::uint64_t block = static_cast<std::uint64_t>(blockIdx.y) * gridDim.x + blockIdx.x;
  const std::uint64_t first_offset = static_cast<std::uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * kThreads;
  const int nb = grid.count;

  ThreadState st;
  st.count = 0;
  st.min_distance = kInfinity;
  st.top_size = 0;
  st.threshold = seed_threshold(a);
  for (int b = 0; b < nb; ++b) st.s0[b] = st.s1[b] = st.s2[b] = 0.0;

  double* region = nullptr;
  std::uint64_t count_share = 0;
  if constexpr (!Vector) {
    if constexpr (Warp) {
      scan_keys_warp<Model, Tier>(a, grid, model, trial, first_offset, stride, st, count_share);
    } else {
      scan_keys_scalar<Model, Tier>(a, grid, model, trial, first_offset, stride, st);
      count_share = st.count;
    }
  } else {
    region = a.scratch + (block * kThreads + threadIdx.x) * a.region;
    const std::uint64_t vec_size = static_cast<std::uint64_t>(nb) * a.tangent_dim;
    for (std::uint64_t j = 0; j < vec_size; ++j) region[j] = 0.0;  // accumulate_key scales it by 0 first
    scan_keys_vector<Model>(a, grid, model, trial, first_offset, stride, st, region, region + vec_size);
    count_share = st.count;
  }

  block_reduce_state(a, grid, st, count_share, block, temp, shared_min);
  if constexpr (Vector) {
    const std::uint64_t td = static_cast<std::uint64_t>(a.tangent_dim);
    block_reduce_vector(a, grid, st, block, shared_min, region + nb * td + td);
  }
  if (a.top_k > 0) block_select_top_k(a, st, temp, shared_winner);
  if constexpr (Fold) {
    if (a.fold) fold_if_last_block(a, grid, temp, shared_winner, shared_last);
  }
}

}  // namespace attnlim::cuda::fused
