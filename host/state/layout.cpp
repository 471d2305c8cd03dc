#include "attnlim/state/layout.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace attnlim {

TrialState unpack_state(const StateLayout& layout, const StateBuffers& buffers, std::uint64_t state) {
  const int nb = layout.num_betas, k = layout.top_k;
  TrialState out(nb, layout.tangent_dim, k);
  out.count = buffers.count[state];
  out.min_distance = buffers.min_distance[state];
  for (int b = 0; b < nb; ++b) {
    out.s0[b] = buffers.sums[layout.s0(state, b)];
    out.s1[b] = buffers.sums[layout.s1(state, b)];
    out.s2[b] = buffers.sums[layout.s2(state, b)];
  }
  if (layout.tangent_dim > 0) {
    const double* v = buffers.vec + layout.vec(state, 0);
    std::copy(v, v + layout.vec_per_state(), out.vec.begin());
  }
  if (k > 0) {
    out.top_size = buffers.top_size[state];
    std::copy(buffers.top_distance + layout.top(state), buffers.top_distance + layout.top(state) + k,
              out.top_distance.begin());
    std::copy(buffers.top_index + layout.top(state), buffers.top_index + layout.top(state) + k, out.top_index.begin());
  }
  return out;
}

namespace {
// A typed copy of one packed array (the bytes are not objects of that type).
template <class T>
std::vector<T> copy_array(const std::vector<unsigned char>& bytes, std::uint64_t offset, std::uint64_t count) {
  std::vector<T> out(count);
  if (count) std::memcpy(out.data(), bytes.data() + offset, count * sizeof(T));
  return out;
}
}  // namespace

PackedStates pack_states(const StateLayout& layout, std::uint64_t states) {
  PackedStates p;
  const std::uint64_t k = static_cast<std::uint64_t>(layout.top_k);
  p.count = 0;
  p.min_distance = p.count + 8 * states;
  p.sums = p.min_distance + 8 * states;
  p.vec = p.sums + 8 * states * layout.sums_per_state();
  p.top_distance = p.vec + 8 * states * layout.vec_per_state();
  p.top_index = p.top_distance + 8 * states * k;
  p.top_size = p.top_index + 8 * states * k;
  p.bytes = (p.top_size + 4 * states + 7) / 8 * 8;  // a whole number of 8-byte words: the next allocation's arrays
                                                     // stay aligned wherever the allocator places it
  return p;
}

std::vector<unsigned char> empty_packed_states(const StateLayout& layout, std::uint64_t states) {
  const PackedStates p = pack_states(layout, states);
  std::vector<unsigned char> bytes(p.bytes, 0);
  const double infinity = std::numeric_limits<double>::infinity();
  for (std::uint64_t s = 0; s < states; ++s) std::memcpy(bytes.data() + p.min_distance + 8 * s, &infinity, 8);
  return bytes;
}

std::vector<TrialState> unpack_packed_states(const StateLayout& layout, std::uint64_t capacity,
                                             const std::vector<unsigned char>& bytes, std::uint64_t states) {
  const PackedStates p = pack_states(layout, capacity);
  if (states > capacity || bytes.size() < p.bytes) throw std::logic_error("unpack_packed_states: too few bytes");
  const std::uint64_t k = static_cast<std::uint64_t>(layout.top_k);
  const auto count = copy_array<std::uint64_t>(bytes, p.count, capacity);
  const auto min_distance = copy_array<double>(bytes, p.min_distance, capacity);
  const auto sums = copy_array<double>(bytes, p.sums, capacity * layout.sums_per_state());
  const auto vec = copy_array<double>(bytes, p.vec, capacity * layout.vec_per_state());
  const auto top_distance = copy_array<double>(bytes, p.top_distance, capacity * k);
  const auto top_index = copy_array<std::uint64_t>(bytes, p.top_index, capacity * k);
  const auto top_size = copy_array<int>(bytes, p.top_size, capacity);
  const StateBuffers buffers{count.data(), min_distance.data(), sums.data(), vec.data(),
                             top_distance.data(), top_index.data(), top_size.data()};
  std::vector<TrialState> out;
  out.reserve(states);
  for (std::uint64_t s = 0; s < states; ++s) out.push_back(unpack_state(layout, buffers, s));
  return out;
}

}  // namespace attnlim
