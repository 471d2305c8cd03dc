// TrialState to bytes and back, for MPI ranks and the Python module: versioned, so a reader refuses
// bytes from another layout version instead of misreading them. Little-endian IEEE doubles (every
// platform attnlim builds on); the layout of version 2 (version 1 lacked the order engine's three fields):
//   "ATLS" u32 version, i32 num_betas, i32 tangent_dim, i32 top_k, u32 flags (bit 0: indexed),
//   u64 count, f64 min_distance, f64 log_distance_scale, u64 exact_keys, f64 bulk_error_bound, f64 s0[nb], s1[nb], s2[nb], vec[nb * tangent_dim],
//   i32 top_size, f64 top_distance[top_size], u64 top_index[top_size] (indexed only)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "attnlim/state/trial_state.hpp"

namespace attnlim {

constexpr std::uint32_t kStateFormatVersion = 2;

std::string to_bytes(const TrialState& state);
// Throws std::runtime_error saying what is wrong (bad magic, other version, truncated, inconsistent sizes).
TrialState from_bytes(const std::string& bytes);

// Many states: u64 count, then for each a u64 length and its bytes.
std::string to_bytes(const std::vector<TrialState>& states);
std::vector<TrialState> states_from_bytes(const std::string& bytes);

}  // namespace attnlim
