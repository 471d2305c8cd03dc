// The CUDA launch plan (cuda_runtime.hpp): pure host arithmetic, so it is built and tested without a device.
#include <algorithm>

#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/state/layout.hpp"

namespace attnlim::cuda {

namespace {
constexpr std::uint64_t kMinKeysPerThread = 32;  // below this, fewer blocks per trial, more trials per launch
constexpr std::uint64_t kMaxGridY = 65535;
}  // namespace

double key_cost_units(const RunSpec& spec) {
  return static_cast<double>(spec.d()) + static_cast<double>(spec.betas.size()) * (1.0 + spec.tangent_dim());
}

std::uint64_t default_chunk_keys(const RunSpec& spec) {
  const double keys = kLaunchWorkUnits / key_cost_units(spec);
  return static_cast<std::uint64_t>(
      std::clamp(keys, static_cast<double>(kMinDefaultChunkKeys), static_cast<double>(kDefaultChunkKeys)));
}

LaunchPlan plan_launch(const RunSpec& spec, const WorkRange& range, std::uint64_t resident_blocks,
                       const LaunchOptions& options) {
  LaunchPlan plan;
  const std::uint64_t keys = range.key_end - range.key_begin;
  const std::uint64_t nb = spec.betas.size();
  const std::uint64_t td = static_cast<std::uint64_t>(spec.tangent_dim());
  const std::uint64_t k = static_cast<std::uint64_t>(std::max(spec.top_k, 0));
  const std::uint64_t region = td ? nb * td + td + nb : 0;  // doubles of scratch per thread
  const StateLayout layout{static_cast<int>(nb), static_cast<int>(td), static_cast<int>(k)};

  plan.chunk = std::max<std::uint64_t>(1, std::min(options.chunk ? options.chunk : default_chunk_keys(spec), keys));
  plan.launches_per_trial = keys / plan.chunk + (keys % plan.chunk != 0);

  std::uint64_t max_blocks = std::max<std::uint64_t>(1, resident_blocks);  // one full wave: equal work per block
  if (options.max_blocks) max_blocks = std::min(max_blocks, options.max_blocks);
  if (region) {
    const std::uint64_t block_scratch = static_cast<std::uint64_t>(kFusedThreads) * region * sizeof(double);
    max_blocks = std::min(max_blocks, std::max<std::uint64_t>(1, kVectorScratchBytes / block_scratch));
  }
  const std::uint64_t threads = static_cast<std::uint64_t>(kFusedThreads);
  const std::uint64_t wanted = (plan.chunk + threads * kMinKeysPerThread - 1) / (threads * kMinKeysPerThread);
  plan.blocks_per_trial = std::clamp<std::uint64_t>(wanted, 1, max_blocks);
  plan.trials_per_launch =
      std::clamp<std::uint64_t>(max_blocks / plan.blocks_per_trial, 1, std::min(range.trials, kMaxGridY));

  const std::uint64_t slots = plan.blocks_per_trial * plan.trials_per_launch;
  const std::uint64_t group = plan.trials_per_launch;
  const std::uint64_t candidates = group * (plan.blocks_per_trial + 1) * k;
  plan.scratch_bytes = slots * threads * region * sizeof(double);
  // After each launch: the trial's last block folds (fold_in_kernel: a count per trial, a place per candidate
  // list), or a segmented sort of the candidates and a merge kernel.
  const std::uint64_t trial_step_bytes = options.fold_in_kernel
                                             ? group * 8 + group * (plan.blocks_per_trial + 1) * 4
                                             : 2 * candidates * 8 +                             // sorted copies
                                                   2 * candidates * 8 + (std::uint64_t{1} << 20) +  // CUB storage
                                                   4 * (group + 1);                               // segment offsets
  plan.device_bytes = plan.scratch_bytes +
                      slots * (16 + 24 * nb + 8 * nb * td) +          // block partials
                      2 * candidates * 8 + trial_step_bytes +         // candidates
                      pack_states(layout, group).bytes;               // accumulators, packed as launch.cuh does
  return plan;
}

}  // namespace attnlim::cuda
