// Thread level of the fused kernel: each thread draws its keys (grid stride) from the key model, keeps its
// count, minimum, per-beta sums and sorted top-k.
#pragma once
#include <type_traits>

#include "args.cuh"
#include "attnlim/core/key_stream.hpp"
#include "attnlim/keys/tiers.hpp"

namespace attnlim::cuda::fused {

struct ThreadState {
  std::uint64_t count;
  double min_distance;
  double s0[kMaxBetas], s1[kMaxBetas], s2[kMaxBetas];
  int top_size;
  double threshold;  // top_distance[k - 1] once the buffer is full
  double top_distance[kMaxTopK];
  std::uint64_t top_index[kMaxTopK];
};

// The threshold starts at the trial's k-th distance so far (seed_threshold) and falls to the buffer's last
// entry once the buffer is full: a farther key cannot be among the trial's k nearest, so it skips the
// local-memory probe. (A key exactly at the threshold is offered: its index decides, and topk_insert knows.)
__device__ __forceinline__ void offer_top_k(ThreadState& st, int k, double e, std::uint64_t key) {
  if (k == 0 || e > st.threshold) return;
  topk_insert(st.top_distance, st.top_index, st.top_size, k, e, key);
  if (st.top_size == k) st.threshold = st.top_distance[k - 1];
}

// Keys of this launch come after every key of the trial's earlier launches (the chunks go up in index), so
// once the accumulator holds k keys, a key farther than its k-th can never enter the trial's top-k: the
// thread starts with that threshold instead of infinity. The results do not change (with the device accelerator,
// only the sums' rounding may: the threshold enters its rule); the per-thread buffers stay nearly empty after the
// first chunk instead of filling again in every launch.
__device__ __forceinline__ double seed_threshold(const FusedArgs& a) {
  const int k = a.top_k;
  if (!a.shortcuts || k == 0 || a.acc.top_size[blockIdx.y] < k) return kInfinity;
  return a.acc.top_distance[a.layout.top(blockIdx.y) + k - 1];
}

// A model's device accelerator: a cheaper distance within kAcceleratorMargin of the model's sampler (keys/tiers.hpp).
// cuda/keys/<model>.cu specialises it before its instantiation line (uniform.cu: one log per product of uniforms),
// with
//   static constexpr bool kAvailable = true;
//   static bool active(const Model&);  // host: whether it saves anything for these parameters
//   __device__ static double distance(const Model&, const KeyStream&);  // full tier, no tangential output;
//                                                                       // NaN: recompute with the sampler
template <class Model>
struct DeviceAccelerator {
  static constexpr bool kAvailable = false;
};

// What the accelerator of a block's trial goes by. It runs only from the trial's second launch on, when the
// trial's minimum and k-th nearest of earlier launches (`min_distance`, `kth`) bound the keys that may still
// matter: then almost no key is recomputed. In a first launch a lane would recompute its first k keys and every
// new minimum of its own, and a warp pays for both distances whenever one of its lanes does (at ~250 keys per
// thread and k = 8, most warp steps would), so a first launch draws every key from the sampler.
struct AcceleratorBounds {
  bool on;
  double min_distance, kth;
};
__device__ __forceinline__ AcceleratorBounds accelerator_bounds(const FusedArgs& a) {
  const AcceleratorBounds off{false, kInfinity, kInfinity};
  if (!a.accelerate) return off;
  const int k = a.top_k;
  const double m = a.acc.min_distance[blockIdx.y];
  if (!(m < kInfinity) || (k > 0 && a.acc.top_size[blockIdx.y] < k)) return off;
  return AcceleratorBounds{true, m, k > 0 ? a.acc.top_distance[a.layout.top(blockIdx.y) + k - 1] : kInfinity};
}

// One key's distance on the scalar paths; `exact` says whether it is the model's sampler's. With an accelerator
// (FullKey, bounds.on) the accelerated distance serves unless the key may be the trial's minimum or enter its
// top-k (accelerated_distance_serves, keys/tiers.hpp, against the smaller of the trial's bounds and this
// thread's or warp's minimum so far and top-k threshold); such a key, a NaN included, is recomputed by the
// sampler. A served key is never offered to the top-k (its exact distance is beyond the trial's k-th), and a
// served minimum of a thread stays above the trial's, so minimum and top-k are bitwise the sampler's and only
// the sums see the accelerator's rounding, as on the CPU (host/cpu/key_loop.hpp).
template <class Model, class Tier>
__device__ __forceinline__ double scalar_distance(const FusedArgs& a, const AcceleratorBounds& bounds,
                                                  const Model& model, const KeyStream& stream, double min_so_far,
                                                  double threshold, bool& exact) {
  exact = true;
  if constexpr (std::is_same<Tier, FullKey>::value && DeviceAccelerator<Model>::kAvailable) {
    if (bounds.on) {
      const double e = DeviceAccelerator<Model>::distance(model, stream);
      const double min_bound = min_so_far < bounds.min_distance ? min_so_far : bounds.min_distance;
      const double kth_bound = threshold < bounds.kth ? threshold : bounds.kth;
      if (accelerated_distance_serves(e, min_bound, a.top_k, kth_bound)) {
        exact = false;
        return e;
      }
    }
  }
  return sample_key<Tier>(model, stream, nullptr);
}

// Scalar path: kKeyBatch distances in registers, then one sweep over the betas, so each beta's sums are
// loaded and stored once per batch rather than once per key. Per beta, accumulate_key on one-beta
// scalars performs exactly the updates the all-betas call would (betas never interact).
template <class Model, class Tier>
__device__ __forceinline__ void scan_keys_scalar(const FusedArgs& a, const BetaGrid& grid, const Model& model,
                                                 std::uint32_t trial, std::uint64_t first_offset,
                                                 std::uint64_t stride, ThreadState& st) {
  const AcceleratorBounds bounds = accelerator_bounds(a);
  const std::uint64_t range = a.key_end - a.key_begin;
  for (std::uint64_t base = first_offset; base < range; base += kKeyBatch * stride) {
    double e[kKeyBatch];
    int valid = 0;
    double min_so_far = st.min_distance;  // kInfinity before the first key
#pragma unroll
    for (int j = 0; j < kKeyBatch; ++j) {
      const std::uint64_t offset = base + j * stride;
      e[j] = 0.0;
      if (offset < range) {
        const std::uint64_t key = a.key_begin + offset;
        bool exact;
        e[j] = scalar_distance<Model, Tier>(a, bounds, model, KeyStream{a.seed, trial, key}, min_so_far,
                                            st.threshold, exact);
        if (e[j] < min_so_far) min_so_far = e[j];
        if (exact) offer_top_k(st, a.top_k, e[j], key);
        valid = j + 1;
      }
    }
    // When every key of the batch is at or beyond the running minimum (no new minimum, no NaN), a beta with
    // beta (nearest of the batch - min) > 746 gives every key a weight e^{-746} = 0, which accumulate_key would
    // skip key by key: the beta's sums stay as they are, and so do every larger beta's. Going up the betas,
    // stop there. (The CPU's loop skips all betas of one key by the smallest beta; here a run of betas is
    // skipped for a batch of keys.)
    bool skippable = a.shortcuts && st.count > 0;
    double batch_min = kInfinity;
#pragma unroll
    for (int j = 0; j < kKeyBatch; ++j)
      if (j < valid) {
        if (!(e[j] >= st.min_distance)) skippable = false;
        if (e[j] < batch_min) batch_min = e[j];
      }
    const double batch_excess = batch_min - st.min_distance;
    for (int i = 0; i < grid.count; ++i) {
      const int b = grid.ascending[i];
      const double beta = grid.value[b];
      if (skippable && beta * batch_excess > kExpUnderflow) break;
      std::uint64_t count = st.count;
      double min_distance = st.min_distance;
      double s0 = st.s0[b], s1 = st.s1[b], s2 = st.s2[b];
#pragma unroll
      for (int j = 0; j < kKeyBatch; ++j)
        if (j < valid) accumulate_key(e[j], nullptr, 0, &beta, 1, count, min_distance, &s0, &s1, &s2, nullptr);
      st.s0[b] = s0;
      st.s1[b] = s1;
      st.s2[b] = s2;
    }
    // What accumulate_key does to the count and the minimum, the same for every beta (and with none run),
    // key by key as it does it (a NaN distance included).
#pragma unroll
    for (int j = 0; j < kKeyBatch; ++j)
      if (j < valid) {
        if (st.count == 0 || e[j] < st.min_distance) st.min_distance = e[j];
        ++st.count;
      }
  }
}

// Warp path (LaunchOptions::warp_sums; scalar only): the warp's 32 lanes draw 32 consecutive keys, then walk
// them in key order, lane l accumulating betas l and l + 32, so that each beta's sums stay in registers (the
// thread path keeps all betas' sums in local memory). Count and minimum are the warp's, the same in every lane;
// each lane keeps its own keys' top-k as the thread path does. The loop and the shuffles are warp-uniform: the
// lanes' offsets share one base. Leaves in st the warp's count and minimum in every lane and each beta's sums in
// its owning lane only (zero elsewhere); `count_share` is what the lane adds to the block's count (lane 0: all).
template <class Model, class Tier>
__device__ __forceinline__ void scan_keys_warp(const FusedArgs& a, const BetaGrid& grid, const Model& model,
                                               std::uint32_t trial, std::uint64_t first_offset, std::uint64_t stride,
                                               ThreadState& st, std::uint64_t& count_share) {
  static_assert(kMaxBetas <= 64 && kThreads % 32 == 0, "two betas per lane, whole warps");
  const AcceleratorBounds bounds = accelerator_bounds(a);
  constexpr unsigned kAllLanes = 0xffffffffu;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const std::uint64_t range = a.key_end - a.key_begin;
  const int b0 = lane, b1 = lane + 32;
  const bool own0 = b0 < grid.count, own1 = b1 < grid.count;
  const double beta0 = own0 ? grid.value[b0] : 0.0, beta1 = own1 ? grid.value[b1] : 0.0;
  double s0[2] = {0.0, 0.0}, s1[2] = {0.0, 0.0}, s2[2] = {0.0, 0.0};
  std::uint64_t count = 0;
  double min_distance = kInfinity;
  for (std::uint64_t base = first_offset - lane; base < range; base += stride) {
    const std::uint64_t offset = base + lane;
    double e = 0.0;
    if (offset < range) {
      const std::uint64_t key = a.key_begin + offset;
      bool exact;
      e = scalar_distance<Model, Tier>(a, bounds, model, KeyStream{a.seed, trial, key}, min_distance, st.threshold,
                                       exact);
      if (exact) offer_top_k(st, a.top_k, e, key);
    }
    const int keys = range - base < 32 ? static_cast<int>(range - base) : 32;
    for (int j = 0; j < keys; ++j) {
      const double ej = __shfl_sync(kAllLanes, e, j);
      // accumulate_key on one beta, as the thread path's scalar sweep does; count and minimum move once per key.
      if (own0) {
        std::uint64_t c = count;
        double m = min_distance;
        accumulate_key(ej, nullptr, 0, &beta0, 1, c, m, &s0[0], &s1[0], &s2[0], nullptr);
      }
      if (own1) {
        std::uint64_t c = count;
        double m = min_distance;
        accumulate_key(ej, nullptr, 0, &beta1, 1, c, m, &s0[1], &s1[1], &s2[1], nullptr);
      }
      if (count == 0 || ej < min_distance) min_distance = ej;
      ++count;
    }
  }
  st.count = count;
  st.min_distance = min_distance;
  // Constant indices into s0..s2 only, so that they stay in registers (a run-time index put them on the stack).
  for (int b = 0; b < grid.count; ++b) {
    st.s0[b] = b == b0 ? s0[0] : b == b1 ? s0[1] : 0.0;
    st.s1[b] = b == b0 ? s1[0] : b == b1 ? s1[1] : 0.0;
    st.s2[b] = b == b0 ? s2[0] : b == b1 ? s2[1] : 0.0;
  }
  count_share = lane == 0 ? count : 0;
}

// Vector path: one key at a time with the core's all-betas update; vec and tangential live in this
// thread's global scratch (the core primitives want contiguous arrays).
template <class Model>
__device__ __forceinline__ void scan_keys_vector(const FusedArgs& a, const BetaGrid& grid, const Model& model,
                                                 std::uint32_t trial, std::uint64_t first_offset,
                                                 std::uint64_t stride, ThreadState& st, double* vec,
                                                 double* tangential) {
  double betas[kMaxBetas];
  for (int b = 0; b < grid.count; ++b) betas[b] = grid.value[b];
  const std::uint64_t range = a.key_end - a.key_begin;
  for (std::uint64_t offset = first_offset; offset < range; offset += stride) {
    const std::uint64_t key = a.key_begin + offset;
    const double e = sample_key<FullKey>(model, KeyStream{a.seed, trial, key}, tangential);
    offer_top_k(st, a.top_k, e, key);
    accumulate_key(e, tangential, a.tangent_dim, betas, grid.count, st.count, st.min_distance, st.s0, st.s1,
                   st.s2, vec);
  }
}

}  // namespace attnlim::cuda::fused
