// One layout for many trial states in flat buffers (struct of arrays), shared by the CUDA kernels'
// partial and accumulator buffers and by the host's unpack into TrialState, so the layout is written once:
//   count[state]  min[state]  sums[state][s0 | s1 | s2][beta]  vec[state][beta][tangent_dim]
//   top_distance[state][top_k]  top_index[state][top_k]  top_size[state]
#pragma once
#include <cstdint>
#include <vector>

#include "attnlim/core/common.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim {

struct StateLayout {
  int num_betas = 0, tangent_dim = 0, top_k = 0;

  ATTNLIM_HD std::uint64_t sums_per_state() const { return 3ull * static_cast<std::uint64_t>(num_betas); }
  ATTNLIM_HD std::uint64_t s0(std::uint64_t state, int beta) const { return state * sums_per_state() + beta; }
  ATTNLIM_HD std::uint64_t s1(std::uint64_t state, int beta) const { return s0(state, beta) + num_betas; }
  ATTNLIM_HD std::uint64_t s2(std::uint64_t state, int beta) const { return s0(state, beta) + 2ull * num_betas; }
  ATTNLIM_HD std::uint64_t vec_per_state() const {
    return static_cast<std::uint64_t>(num_betas) * static_cast<std::uint64_t>(tangent_dim);
  }
  ATTNLIM_HD std::uint64_t vec(std::uint64_t state, int beta) const {
    return (state * num_betas + beta) * static_cast<std::uint64_t>(tangent_dim);
  }
  ATTNLIM_HD std::uint64_t top(std::uint64_t state) const { return state * static_cast<std::uint64_t>(top_k); }
};

// Read-only views of `states` states' buffers in StateLayout (host memory).
struct StateBuffers {
  const std::uint64_t* count = nullptr;
  const double* min_distance = nullptr;
  const double* sums = nullptr;
  const double* vec = nullptr;  // may be null when tangent_dim == 0
  const double* top_distance = nullptr;
  const std::uint64_t* top_index = nullptr;
  const int* top_size = nullptr;
};

// State number `state` of the buffers as a TrialState (host/state/layout.cpp).
TrialState unpack_state(const StateLayout& layout, const StateBuffers& buffers, std::uint64_t state);

// The seven arrays of `states` states packed in one allocation: byte offsets, the 8-byte arrays first (each array
// stays aligned), top_size last; `bytes` in all, a multiple of 8. The CUDA path keeps a group's accumulators so,
// to reset them with one copy and read them back with another (cuda/fused/launch.cuh, and plan_launch's estimate).
struct PackedStates {
  std::uint64_t count = 0, min_distance = 0, sums = 0, vec = 0, top_distance = 0, top_index = 0, top_size = 0;
  std::uint64_t bytes = 0;
};
PackedStates pack_states(const StateLayout& layout, std::uint64_t states);

// The packed bytes of empty states: count 0, minimum +infinity, sums 0, no top-k.
std::vector<unsigned char> empty_packed_states(const StateLayout& layout, std::uint64_t states);

// The first `states` states of packed bytes (pack_states(layout, capacity) with capacity >= states) as TrialStates.
std::vector<TrialState> unpack_packed_states(const StateLayout& layout, std::uint64_t capacity,
                                             const std::vector<unsigned char>& bytes, std::uint64_t states);

}  // namespace attnlim
