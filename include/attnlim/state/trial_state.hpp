// The per-trial state every engine returns (DESIGN.md principle 3, "everything is a monoid"): count,
// running minimum distance m, per beta the sums s0 = sum e^{-beta(E-m)}, s1 = sum e^{-beta(E-m)}(E-m),
// s2 = sum e^{-2beta(E-m)}, optionally the weighted tangential key sum, and the k nearest keys. A thin
// owner of the arrays that core/softmax.hpp and core/topk.hpp work on. Threads, blocks, chunks, devices
// and ranks all merge with merge(); a fixed merge order makes results independent of the split.
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "attnlim/core/softmax.hpp"
#include "attnlim/core/topk.hpp"

namespace attnlim {

struct TrialState {
  std::uint64_t count = 0;
  double min_distance = std::numeric_limits<double>::infinity();
  std::vector<double> s0, s1, s2;  // per beta
  std::vector<double> vec;         // per beta, tangent_dim numbers each (empty without --output-vector)
  int tangent_dim = 0;
  int top_k = 0;
  int top_size = 0;
  std::vector<double> top_distance;  // ascending, top_size valid entries
  // Key index of each kept key. An engine that never enumerates keys (the order-statistics tier) knows
  // ranks only: then indexed is false and top_index is empty (rank i is entry i).
  bool indexed = true;
  std::vector<std::uint64_t> top_index;
  // Distances (min_distance, s1, top_distance) are stored as E e^{log_distance_scale}: 0 for the per-key
  // engines; log (n c)^{1/a'} for the order-statistics engine, whose distances are the rescaled y = (n c)^{1/a'} E
  // (representable at any n). The betas that go with such a state are beta e^{-log_distance_scale}.
  double log_distance_scale = 0.0;
  // Order-statistics engine: keys drawn exactly (the nearest K), and the bound on the error of the Gaussian
  // sum that stands for the others (0 where every key is exact).
  std::uint64_t exact_keys = 0;
  double bulk_error_bound = 0.0;

  TrialState() = default;
  TrialState(int num_betas, int tangent_dim_, int top_k_, bool indexed_ = true)
      : s0(num_betas, 0.0), s1(num_betas, 0.0), s2(num_betas, 0.0),
        vec(static_cast<std::size_t>(num_betas) * tangent_dim_, 0.0), tangent_dim(tangent_dim_), top_k(top_k_),
        top_distance(top_k_, 0.0), indexed(indexed_), top_index(indexed_ ? top_k_ : 0, 0) {}

  int num_betas() const { return static_cast<int>(s0.size()); }

  void add_key(double e, const double* tangential, std::uint64_t key_index, const double* betas) {
    accumulate_key(e, tangential, tangent_dim, betas, num_betas(), count, min_distance, s0.data(), s1.data(),
                   s2.data(), tangent_dim ? vec.data() : nullptr);
    topk_insert(top_distance.data(), top_index.data(), top_size, top_k, e, key_index);
  }

  // this <- this (+) other, both over the same betas and layout (indexed states only).
  void merge(const TrialState& other, const double* betas) {
    merge_state(betas, num_betas(), tangent_dim, count, min_distance, s0.data(), s1.data(), s2.data(),
                tangent_dim ? vec.data() : nullptr, other.count, other.min_distance, other.s0.data(),
                other.s1.data(), other.s2.data(), other.tangent_dim ? other.vec.data() : nullptr);
    std::vector<double> dist(top_k);
    std::vector<std::uint64_t> index(top_k);
    top_size = topk_merge(top_distance.data(), top_index.data(), top_size, other.top_distance.data(),
                          other.top_index.data(), other.top_size, top_k, dist.data(), index.data());
    top_distance.swap(dist);
    top_index.swap(index);
  }
};

}  // namespace attnlim
