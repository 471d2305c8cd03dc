#include "attnlim/backend_cpu.hpp"

#include <omp.h>

#include <algorithm>
#include <limits>

#include "attnlim/batch_sampler.hpp"

namespace attnlim::cpu {

namespace {

// The scalar core, key by key (CPUs without AVX2).
TrialState run_block_scalar(const SimConfig& config, std::uint32_t trial, std::uint64_t begin, std::uint64_t end) {
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

// x plus a relative margin far above the batch sampler's error against the core (~1e-15 relative).
inline double with_margin(double x) { return x + x * 1e-11 + 1e-300; }

}  // namespace

// Keys come 8 at a time from the batch sampler (batch_sampler.hpp: AVX2 Philox + libmvec, a few ulps
// from the core functions). A key that may be a new minimum or enter the top-k (its batch distance within
// a margin of the k-th nearest so far) is recomputed by the core function and added exactly as the scalar
// path adds it, so top-k and minimum are bitwise those of the core (and of the GPU's stream); every other
// key only adds e^{-beta (E - m)} (libmvec exp over the betas) to the sums, in key order.
TrialState run_block(const SimConfig& config, std::uint32_t trial, std::uint64_t begin, std::uint64_t end) {
  if (!batch_simd_available()) return run_block_scalar(config, trial, begin, end);
  const int num_betas = static_cast<int>(config.betas.size());
  const int tdim = config.tangent_dim();
  TrialState state(num_betas, tdim, config.top_k);
  const double* betas = config.betas.data();
  double beta_min = std::numeric_limits<double>::infinity();
  for (double b : config.betas) beta_min = std::min(beta_min, b);
  const bool full = config.sampler == SamplerTier::full;
  double e_batch[kBatchKeys];
  std::vector<double> tangential_batch(static_cast<std::size_t>(kBatchKeys) * tdim), tangential(tdim);
  double* vec = tdim ? state.vec.data() : nullptr;
  // Keys waiting for accumulate_keys (flushed before any candidate is added, so the order is key order).
  // Without tangential output they wait across batches (the per-call cost of accumulate_keys is
  // amortised over up to kPending keys); with it, each batch flushes before tangential_batch is reused.
  constexpr int kPending = 8 * kBatchKeys;
  double pending_excess[kPending];
  const double* pending_tangential[kPending];
  int pending = 0;
  auto flush = [&] {
    if (pending)
      accumulate_keys(betas, num_betas, pending_excess, pending_tangential, tdim, pending, state.s0.data(),
                      state.s1.data(), state.s2.data(), vec);
    pending = 0;
  };
  for (std::uint64_t first = begin; first < end; first += kBatchKeys) {
    if (full)
      sample_full_batch(config.seed, trial, first, config.d, e_batch, tdim ? tangential_batch.data() : nullptr);
    else
      sample_projected_batch(config.seed, trial, first, config.d, e_batch);
    const int lanes = static_cast<int>(std::min<std::uint64_t>(kBatchKeys, end - first));
    for (int l = 0; l < lanes; ++l) {
      const std::uint64_t key = first + static_cast<std::uint64_t>(l);
      const double e = e_batch[l];
      const bool candidate = state.count == 0 || state.top_size < state.top_k || e <= with_margin(state.min_distance) ||
                             (state.top_k > 0 && e <= with_margin(state.top_distance[state.top_k - 1]));
      if (candidate) {
        flush();
        const double exact = full ? sample_full_key(config.seed, trial, key, config.d, tdim ? tangential.data() : nullptr)
                                  : sample_projected_key(config.seed, trial, key, config.d);
        state.add_key(exact, tdim ? tangential.data() : nullptr, key, betas);
        continue;
      }
      // Not a new minimum and not kept (e > k-th nearest): accumulate_key's "else" branch.
      ++state.count;
      const double excess = e - state.min_distance;
      if (beta_min * excess > kExpUnderflow) continue;  // every beta skips: no sum changes
      pending_excess[pending] = excess;
      pending_tangential[pending++] = tangential_batch.data() + static_cast<std::size_t>(l) * tdim;
    }
    if (tdim || pending > kPending - kBatchKeys) flush();  // tdim: before tangential_batch is overwritten
  }
  flush();
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
