// The fused path's launcher (cuda_fused.hpp): plans the launches, owns the device buffers (DeviceArray: no
// throwing destructor on the error path), runs the fused kernel per chunk of keys (which folds each trial in its
// last block; with LaunchOptions::fold_in_kernel off: fused kernel -> candidate sort -> merge kernel) and unpacks
// the accumulators with the shared StateLayout. Included only by cuda/keys/<model>.cu.
#pragma once
#include <algorithm>
#include <new>
#include <numeric>
#include <string>
#include <vector>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/stop.hpp"
#include "attnlim/engine/cuda_fused.hpp"
#include "attnlim/state/layout.hpp"
#include "device_steps.cuh"
#include "kernel.cuh"

namespace attnlim::cuda {

namespace fused {

// The device buffers of one run, reused by every trial group and chunk.
struct Buffers {
  DeviceArray<std::uint64_t> part_count, cand_index, sorted_index;
  DeviceArray<double> part_min, part_sums, part_vec, scratch, cand_distance, sorted_distance;
  DeviceArray<int> offsets, fold_heads;
  DeviceArray<unsigned long long> blocks_done;
  DeviceArray<unsigned char> sort_storage;
  // The group's accumulators, packed (pack_states): one upload resets them, one download reads them back, where
  // seven arrays took 4 memsets, 1 upload and 7 downloads per trial group (3, 1 and 6 without the output vector).
  DeviceArray<unsigned char> acc;
  PackedStates acc_at;

  StateViews part_views() {
    return StateViews{part_count.get(), part_min.get(), part_sums.get(), part_vec.get(), nullptr, nullptr, nullptr};
  }
  StateViews acc_views() {
    unsigned char* base = acc.get();
    return StateViews{reinterpret_cast<std::uint64_t*>(base + acc_at.count),
                      reinterpret_cast<double*>(base + acc_at.min_distance),
                      reinterpret_cast<double*>(base + acc_at.sums),
                      reinterpret_cast<double*>(base + acc_at.vec),
                      reinterpret_cast<double*>(base + acc_at.top_distance),
                      reinterpret_cast<std::uint64_t*>(base + acc_at.top_index),
                      reinterpret_cast<int*>(base + acc_at.top_size)};
  }
};

// Whether a model's kernel file builds the warp path (LaunchOptions::warp_sums): cuda/keys/<model>.cu opts in by
// specialising this before its instantiation line (uniform.cu does). A second kernel for every model roughly
// doubled the CUDA objects' compile time (in one -j2 build, the mixture's 40 s became 89 s) for a layout not yet
// measured.
template <class Model>
inline constexpr bool kWarpPathBuilt = false;

// Whether a model's kernel file also builds the scalar kernels without the in-kernel fold's code, for runs with
// LaunchOptions::fold_in_kernel off (uniform.cu does): the fold's code raises the kernel's registers (nvcc 13.0.88,
// sm_90, uniform keys: <FullKey> 64 -> 72, bench/NOTES.md) whether it runs or not, so that the benchmark's
// cuda-merge rows measure the kernel as it was before the fold. Other models run the default kernel with the fold
// switched off (the same results: CudaFused.FoldInKernelChangesNoBit).
template <class Model>
inline constexpr bool kFoldlessKernelBuilt = false;

template <class Model, class Tier, bool Vector>
std::vector<TrialState> run_on_device(const Model& model, const RunSpec& spec, const WorkRange& range,
                                      const LaunchOptions& options, const std::function<void(double)>& progress) {
  auto* kernel = fused_trial_kernel<Model, Tier, Vector>;
  if (options.warp_sums) {
    if constexpr (!Vector && kWarpPathBuilt<Model>) {
      kernel = fused_trial_kernel<Model, Tier, false, true>;
    } else {
      throw InputError("warp_sums", "the warp path is built for uniform keys without the output vector only");
    }
  } else if (!options.fold_in_kernel) {
    if constexpr (!Vector && kFoldlessKernelBuilt<Model>) kernel = fused_trial_kernel<Model, Tier, false, false, false>;
  }
  int device = 0, sm_count = 0, blocks_per_sm = 0;
  ATTNLIM_CUDA_CHECK(cudaGetDevice(&device));
  ATTNLIM_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device));
  ATTNLIM_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, kernel, kThreads, 0));
  if (blocks_per_sm < 1) blocks_per_sm = 1;
  const LaunchPlan plan = plan_launch(
      spec, range, static_cast<std::uint64_t>(sm_count) * static_cast<std::uint64_t>(blocks_per_sm), options);

  const StateLayout layout{static_cast<int>(spec.betas.size()), Vector ? spec.tangent_dim() : 0, spec.top_k};
  const int nb = layout.num_betas, td = layout.tangent_dim, k = layout.top_k;
  const std::uint64_t bx = plan.blocks_per_trial, group = plan.trials_per_launch;
  const std::uint64_t slots = bx * group;
  const std::uint64_t region = td ? static_cast<std::uint64_t>(nb) * td + td + nb : 0;
  const std::uint64_t segment = (bx + 1) * static_cast<std::uint64_t>(k);

  Buffers buf;
  buf.part_count.resize(slots);
  buf.part_min.resize(slots);
  buf.part_sums.resize(slots * layout.sums_per_state());
  buf.part_vec.resize(slots * layout.vec_per_state());
  buf.scratch.resize(slots * kThreads * region);
  buf.cand_distance.resize(group * segment);
  buf.cand_index.resize(group * segment);
  if (options.fold_in_kernel) {
    buf.blocks_done.resize(group);
    buf.blocks_done.zero();  // each trial's last block sets its count back to 0
    buf.fold_heads.resize(group * (bx + 1));
  } else {  // the candidate sort: sorted copies, and each trial's segment
    buf.sorted_distance.resize(group * segment);
    buf.sorted_index.resize(group * segment);
    std::vector<int> host_offsets(group + 1);
    for (std::uint64_t g = 0; g <= group; ++g) host_offsets[g] = static_cast<int>(g * segment);
    buf.offsets.resize(group + 1);
    buf.offsets.upload(host_offsets);
  }
  buf.acc_at = pack_states(layout, group);
  buf.acc.resize(buf.acc_at.bytes);
  const std::vector<unsigned char> empty_group = empty_packed_states(layout, group);

  BetaGrid grid{};
  grid.count = nb;
  for (int b = 0; b < nb; ++b) grid.value[b] = spec.betas[b];
  std::iota(grid.ascending, grid.ascending + nb, 0);
  std::stable_sort(grid.ascending, grid.ascending + nb, [&](int x, int y) { return grid.value[x] < grid.value[y]; });

  FusedArgs fused{};
  fused.seed = spec.seed;
  fused.top_k = k;
  fused.shortcuts = options.shortcuts;
  if constexpr (DeviceAccelerator<Model>::kAvailable)
    fused.accelerate = options.accelerate_keys && DeviceAccelerator<Model>::active(model);
  fused.tangent_dim = td;
  fused.region = region;
  fused.layout = layout;
  fused.part = buf.part_views();
  fused.cand_distance = buf.cand_distance.get();
  fused.cand_index = buf.cand_index.get();
  fused.acc = buf.acc_views();
  fused.scratch = buf.scratch.get();
  fused.fold = options.fold_in_kernel;
  fused.blocks_done = buf.blocks_done.get();
  fused.fold_heads = buf.fold_heads.get();

  MergeArgs merge{};
  merge.blocks_per_trial = bx;
  merge.layout = layout;
  merge.part = buf.part_views();
  merge.acc = buf.acc_views();
  merge.sorted_distance = buf.sorted_distance.get();
  merge.sorted_index = buf.sorted_index.get();

  std::vector<TrialState> result;
  result.reserve(range.trials);
  double keys_done = 0;
  for (std::uint64_t group_first = 0; group_first < range.trials; group_first += group) {
    const std::uint64_t trials_now = std::min(group, range.trials - group_first);
    buf.acc.upload(empty_group);
    fused.first_trial = static_cast<std::uint32_t>(range.first_trial + group_first);

    for (std::uint64_t launch = 0; launch < plan.launches_per_trial; ++launch) {
      fused.key_begin = range.key_begin + launch * plan.chunk;
      fused.key_end = range.key_end - fused.key_begin > plan.chunk ? fused.key_begin + plan.chunk : range.key_end;
      cuda::launch(kernel, dim3(static_cast<unsigned>(bx), static_cast<unsigned>(trials_now)), kThreads, 0, fused, grid,
                   model);
      ATTNLIM_CUDA_CHECK_LAUNCH(fused_trial_kernel);
      if (!options.fold_in_kernel) {
        if (k > 0)
          sort_candidates(buf.cand_distance.get(), buf.cand_index.get(), buf.sorted_distance.get(),
                          buf.sorted_index.get(), trials_now, segment, buf.offsets.get(), buf.sort_storage);
        launch_merge(merge, grid, trials_now);
      }
      // Between launches: the stop check, and progress (this launch's keys, once the device has run them).
      throw_if_stop_requested();
      if (progress) {
        ATTNLIM_CUDA_CHECK(cudaDeviceSynchronize());
        keys_done += static_cast<double>(fused.key_end - fused.key_begin) * static_cast<double>(trials_now);
        progress(keys_done);
      }
    }

    for (TrialState& state : unpack_packed_states(layout, group, buf.acc.download(buf.acc_at.bytes), trials_now))
      result.push_back(std::move(state));
  }
  return result;
}

}  // namespace fused

template <class Model, class Tier, bool Vector>
std::vector<TrialState> run_fused(const Model& model, const RunSpec& spec, const WorkRange& range,
                                  const LaunchOptions& options, const std::function<void(double)>& progress) {
  validate(spec, range);
  try {
    return fused::run_on_device<Model, Tier, Vector>(model, spec, range, options, progress);
  } catch (const std::bad_alloc&) {
    throw DeviceError("fused launch: host allocation failed (out of memory)");
  }
}

}  // namespace attnlim::cuda

// One line per model file: every fused entry point of Model (distance-only where the model allows).
#define ATTNLIM_CUDA_INSTANTIATE_TIER(Model, Tier, Vector)                                                   \
  template std::vector<attnlim::TrialState> attnlim::cuda::run_fused<Model, Tier, Vector>(                  \
      const Model&, const attnlim::RunSpec&, const attnlim::WorkRange&, const attnlim::cuda::LaunchOptions&, \
      const std::function<void(double)>&);
#define ATTNLIM_CUDA_INSTANTIATE_SYMMETRIC(Model)                \
  ATTNLIM_CUDA_INSTANTIATE_TIER(Model, attnlim::FullKey, false)  \
  ATTNLIM_CUDA_INSTANTIATE_TIER(Model, attnlim::FullKey, true)   \
  ATTNLIM_CUDA_INSTANTIATE_TIER(Model, attnlim::DistanceOnly, false)
#define ATTNLIM_CUDA_INSTANTIATE_FULL(Model)                    \
  ATTNLIM_CUDA_INSTANTIATE_TIER(Model, attnlim::FullKey, false) \
  ATTNLIM_CUDA_INSTANTIATE_TIER(Model, attnlim::FullKey, true)
