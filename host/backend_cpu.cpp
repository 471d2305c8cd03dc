#include "attnlim/backend_cpu.hpp"

#include <omp.h>

#include <algorithm>

namespace attnlim::cpu {

TrialState run_block(const SimConfig& config, std::uint32_t trial, std::uint64_t begin, std::uint64_t end) {
  const int num_betas = static_cast<int>(config.betas.size());
  TrialState state(num_betas, config.tangent_dim(), config.top_k);
  const double* betas = config.betas.data();
  std::vector<double> tangential(config.tangent_dim());
  double* tangential_out = config.output_vector ? tangential.data() : nullptr;
  for (std::uint64_t key = begin; key < end; ++key) {
    const double e = config.sampler == SamplerTier::full
                         ? sample_full_key(config.seed, trial, key, config.d, tangential_out)
                         : sample_projected_key(config.seed, trial, key, config.d);
    state.add_key(e, tangential_out, key, betas);
  }
  return state;
}

std::vector<TrialState> run_trials(const SimConfig& config) {
  const int num_betas = static_cast<int>(config.betas.size());
  const std::uint64_t blocks_per_trial = (config.n + config.chunk_keys - 1) / config.chunk_keys;
  const std::uint64_t total_units = blocks_per_trial * config.trials;
  const int threads = config.threads > 0 ? config.threads : omp_get_max_threads();
  // Work units (trial, block) in waves: blocks are computed in parallel, then merged into their trial
  // strictly in block order, so the result does not depend on the thread count.
  const std::uint64_t wave = std::max<std::uint64_t>(256, 8 * static_cast<std::uint64_t>(threads));
  std::vector<TrialState> result(config.trials, TrialState(num_betas, config.tangent_dim(), config.top_k));
  std::vector<TrialState> partial(std::min(wave, total_units));
  for (std::uint64_t first = 0; first < total_units; first += wave) {
    const std::int64_t count = static_cast<std::int64_t>(std::min(wave, total_units - first));
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::int64_t u = 0; u < count; ++u) {
      const std::uint64_t unit = first + static_cast<std::uint64_t>(u);
      const std::uint64_t trial = unit / blocks_per_trial, block = unit % blocks_per_trial;
      const std::uint64_t begin = block * config.chunk_keys;
      const std::uint64_t end = std::min(config.n, begin + config.chunk_keys);
      partial[u] = run_block(config, static_cast<std::uint32_t>(config.first_trial + trial), begin, end);
    }
    for (std::int64_t u = 0; u < count; ++u) {
      const std::uint64_t trial = (first + static_cast<std::uint64_t>(u)) / blocks_per_trial;
      result[trial].merge(partial[u], config.betas.data());
    }
  }
  return result;
}

}  // namespace attnlim::cpu
