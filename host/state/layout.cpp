#include "attnlim/state/layout.hpp"

#include <algorithm>

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

}  // namespace attnlim
