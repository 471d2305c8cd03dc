// The fused generate -> score -> reduce kernel (DESIGN.md principles 1-4), templated on the key model,
// the sampler tier and the output vector; the host picks the instantiation once per run. CPU twin:
// host/cpu/key_loop.hpp.
#pragma once
#include "block.cuh"

namespace attnlim::cuda::fused {

template <class Model, class Tier, bool Vector>
__global__ void __launch_bounds__(kThreads) fused_trial_kernel(const FusedArgs a, const BetaGrid grid, const Model model) {
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
  st.threshold = seed_threshold(a);
  for (int b = 0; b < nb; ++b) st.s0[b] = st.s1[b] = st.s2[b] = 0.0;

  double* region = nullptr;
  if constexpr (!Vector) {
    scan_keys_scalar<Model, Tier>(a, grid, model, trial, first_offset, stride, st);
  } else {
    region = a.scratch + (block * kThreads + threadIdx.x) * a.region;
    const std::uint64_t vec_size = static_cast<std::uint64_t>(nb) * a.tangent_dim;
    for (std::uint64_t j = 0; j < vec_size; ++j) region[j] = 0.0;  // accumulate_key scales it by 0 first
    scan_keys_vector<Model>(a, grid, model, trial, first_offset, stride, st, region, region + vec_size);
  }

  block_reduce_state(a, grid, st, block, temp, shared_min);
  if constexpr (Vector) {
    const std::uint64_t td = static_cast<std::uint64_t>(a.tangent_dim);
    block_reduce_vector(a, grid, st, block, shared_min, region + nb * td + td);
  }
  if (a.top_k > 0) block_select_top_k(a, st, temp, shared_winner);
}

}  // namespace attnlim::cuda::fused
