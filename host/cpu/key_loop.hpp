// The CPU engine's key loops, templated on <Model, Tier, Vector> (included only by the instantiation files
// host/cpu/keys/<model>.cpp):
//  - the generic loop: each key from the model's own sampler (sample_key, keys/tiers.hpp) straight into
//    the trial state, key by key;
//  - the batched loop, for models with a CPU accelerator (CpuAccelerator<Model>): keys come kBatchKeys at a
//    time from the accelerator (a few ulps from the model's sampler). A key that may be a new minimum or
//    enter the top-k (its batch distance within a margin of the k-th nearest so far) is recomputed by the
//    model's sampler and added exactly as the generic loop adds it, so top-k and minimum are bitwise those
//    of the sampler (and of the GPU's stream); every other key only adds e^{-beta (E - m)} to the sums
//    (accumulate_keys), in key order.
#pragma once
#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "attnlim/core/key_stream.hpp"
#include "attnlim/engine/uniform_batch.hpp"
#include "attnlim/keys/tiers.hpp"
#include "block_function.hpp"

namespace attnlim::cpu {

// A model's CPU accelerator: specialised where one exists (host/cpu/uniform_accelerator.hpp), with
//   static bool active();  // runs on this CPU
//   template <class Tier> static void sample(const Model&, const KeyStream& first_key, double* e,
//                                            double* tangential);  // kBatchKeys keys from first_key.key on
template <class Model>
struct CpuAccelerator {
  static constexpr bool kAvailable = false;
};

namespace detail {

template <class Model, class Tier, bool Vector>
TrialState generic_block(const Model& model, const RunSpec& spec, std::uint32_t trial, std::uint64_t begin,
                         std::uint64_t end) {
  const int num_betas = static_cast<int>(spec.betas.size());
  const int tdim = Vector ? spec.tangent_dim() : 0;
  TrialState state(num_betas, tdim, spec.top_k);
  const double* betas = spec.betas.data();
  std::vector<double> tangential(tdim);
  double* tangential_out = Vector ? tangential.data() : nullptr;
  for (std::uint64_t key = begin; key < end; ++key) {
    const double e = sample_key<Tier>(model, KeyStream{spec.seed, trial, key}, tangential_out);
    state.add_key(e, tangential_out, key, betas);
  }
  return state;
}

template <class Model, class Tier, bool Vector>
TrialState batched_block(const Model& model, const RunSpec& spec, std::uint32_t trial, std::uint64_t begin,
                         std::uint64_t end) {
  using Accelerator = CpuAccelerator<Model>;
  const int num_betas = static_cast<int>(spec.betas.size());
  const int tdim = Vector ? spec.tangent_dim() : 0;
  TrialState state(num_betas, tdim, spec.top_k);
  const double* betas = spec.betas.data();
  double beta_min = std::numeric_limits<double>::infinity();
  for (double b : spec.betas) beta_min = std::min(beta_min, b);
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
    Accelerator::template sample<Tier>(model, KeyStream{spec.seed, trial, first}, e_batch,
                                       tdim ? tangential_batch.data() : nullptr);
    const int lanes = static_cast<int>(std::min<std::uint64_t>(kBatchKeys, end - first));
    for (int l = 0; l < lanes; ++l) {
      const std::uint64_t key = first + static_cast<std::uint64_t>(l);
      const double e = e_batch[l];
      constexpr double kNone = std::numeric_limits<double>::infinity();
      const bool candidate = !accelerated_distance_serves(
          e, state.count ? state.min_distance : kNone, state.top_k,
          state.top_k == 0 || state.top_size < state.top_k ? kNone : state.top_distance[state.top_k - 1]);
      if (candidate) {
        flush();
        double* exact_tangential = tdim ? tangential.data() : nullptr;
        const double exact = sample_key<Tier>(model, KeyStream{spec.seed, trial, key}, exact_tangential);
        state.add_key(exact, exact_tangential, key, betas);
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

}  // namespace detail

template <class Model, class Tier, bool Vector>
TrialState reference_block(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end) {
  return detail::generic_block<Model, Tier, Vector>(std::get<Model>(spec.keys), spec, trial, begin, end);
}

template <class Model, class Tier, bool Vector>
TrialState model_block(const RunSpec& spec, std::uint32_t trial, std::uint64_t begin, std::uint64_t end) {
  const Model& model = std::get<Model>(spec.keys);
  if constexpr (CpuAccelerator<Model>::kAvailable) {
    if (CpuAccelerator<Model>::active())
      return detail::batched_block<Model, Tier, Vector>(model, spec, trial, begin, end);
  }
  return detail::generic_block<Model, Tier, Vector>(model, spec, trial, begin, end);
}

}  // namespace attnlim::cpu

// One line per model file: every entry point of Model (the distance-only ones where the model allows).
#define ATTNLIM_CPU_INSTANTIATE_TIER(Model, Tier, Vector)                                                    \
  template attnlim::TrialState attnlim::cpu::model_block<Model, Tier, Vector>(const attnlim::RunSpec&,        \
                                                                              std::uint32_t, std::uint64_t,   \
                                                                              std::uint64_t);                 \
  template attnlim::TrialState attnlim::cpu::reference_block<Model, Tier, Vector>(                            \
      const attnlim::RunSpec&, std::uint32_t, std::uint64_t, std::uint64_t);
#define ATTNLIM_CPU_INSTANTIATE_FULL(Model)                  \
  ATTNLIM_CPU_INSTANTIATE_TIER(Model, attnlim::FullKey, false) \
  ATTNLIM_CPU_INSTANTIATE_TIER(Model, attnlim::FullKey, true)
#define ATTNLIM_CPU_INSTANTIATE_SYMMETRIC(Model) \
  ATTNLIM_CPU_INSTANTIATE_FULL(Model)            \
  ATTNLIM_CPU_INSTANTIATE_TIER(Model, attnlim::DistanceOnly, false)
