// Host-side per-trial state: the mergeable softmax sums for every beta plus the top-k nearest keys.
// Thin owner of the arrays that softmax_state.hpp's primitives work on; every backend returns these.
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "attnlim/softmax_state.hpp"

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
  std::vector<std::uint64_t> top_index;

  TrialState() = default;
  TrialState(int num_betas, int tangent_dim_, int top_k_)
      : s0(num_betas, 0.0), s1(num_betas, 0.0), s2(num_betas, 0.0),
        vec(static_cast<std::size_t>(num_betas) * tangent_dim_, 0.0), tangent_dim(tangent_dim_), top_k(top_k_),
        top_distance(top_k_, 0.0), top_index(top_k_, 0) {}

  int num_betas() const { return static_cast<int>(s0.size()); }

  void add_key(double e, const double* tangential, std::uint64_t key_index, const double* betas) {
    accumulate_key(e, tangential, tangent_dim, betas, num_betas(), count, min_distance, s0.data(), s1.data(),
                   s2.data(), tangent_dim ? vec.data() : nullptr);
    topk_insert(top_distance.data(), top_index.data(), top_size, top_k, e, key_index);
  }

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
