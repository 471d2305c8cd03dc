// A mixture of key models, density sum_j p_j rho_j (THEORY.md section 7): a key picks component j with
// probability p_j from the first 64 bits of its stream, then draws that component's key from the rest of the
// stream (draws 1, 2, ...). Components are the base models (registry.hpp's list), held in a tagged union so
// the struct stays trivially copyable for the kernels; the per-key choice of component is the mixture's own
// branch (no other model has one).
#pragma once
#include <string>
#include <vector>

#include "attnlim/core/key_stream.hpp"
#include "attnlim/core/variates.hpp"
#include "attnlim/keys/model.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

// Storage for one of Ts (trivially copyable structs), activated by assignment.
template <class... Ts>
union ModelStorage {};
template <class T, class... Ts>
union ModelStorage<T, Ts...> {
  T head;
  ModelStorage<Ts...> tail;
  ATTNLIM_HD ModelStorage() : head() {}
};

namespace detail {
template <int I, class T, class... Ts>
ATTNLIM_HD double component_key(int tag, const ModelStorage<T, Ts...>& s, const KeyStream& stream, double* tangential) {
  if (tag == I) return s.head.key(stream, tangential);
  if constexpr (sizeof...(Ts) > 0) return component_key<I + 1, Ts...>(tag, s.tail, stream, tangential);
  return 0.0;
}
template <int I, class T, class... Ts>
ATTNLIM_HD double component_distance(int tag, const ModelStorage<T, Ts...>& s, const KeyStream& stream) {
  if (tag == I) return s.head.distance(stream);
  if constexpr (sizeof...(Ts) > 0) return component_distance<I + 1, Ts...>(tag, s.tail, stream);
  return 0.0;
}
}  // namespace detail

template <class... Base>
struct MixtureOf {
  static constexpr const char* kName = "mix";
  static constexpr bool kHasDistanceSampler = (Base::kHasDistanceSampler && ...);
  static constexpr int kMaxComponents = 8;

  struct Component {
    int tag = 0;  // index into Base...
    ModelStorage<Base...> model;
  };

  int d = 3;
  int count = 0;
  double weight[kMaxComponents] = {};
  double cumulative[kMaxComponents] = {};  // cumulative[count - 1] = 1
  Component component[kMaxComponents] = {};

  ATTNLIM_HD int pick(const KeyStream& stream) const {
    const Philox4 block = stream.block(0);
    const double u = uniform64(block.v[0], block.v[1]);
    for (int j = 0; j + 1 < count; ++j)
      if (u < cumulative[j]) return j;
    return count - 1;
  }
  ATTNLIM_HD double distance(const KeyStream& stream) const {
    const Component& c = component[pick(stream)];
    return detail::component_distance<0, Base...>(c.tag, c.model, stream.shifted(1));
  }
  ATTNLIM_HD double key(const KeyStream& stream, double* tangential) const {
    const Component& c = component[pick(stream)];
    return detail::component_key<0, Base...>(c.tag, c.model, stream.shifted(1), tangential);
  }

  // ---- host hooks (host/model/mixture.cpp, for the registry's MixtureKeys) ----
  static MixtureOf parse(KeyParams& params, int d);  // mix:P1*SPEC1;P2*SPEC2;... (weights > 0 summing to 1)
  std::string describe() const;
  void validate() const;
  bool symmetric_about_query() const;                // every component is
  theory::LocalLaw local_law() const;                // the smallest a' of the components; c = sum p_j c_j over those
  double distance_log_cdf(double s) const;           // log sum_j p_j F_j(s)
  double log_mgf(double beta) const;                 // log sum_j p_j M_j(beta)
  LimitOutput limit_output(double beta) const;       // sum_j p_j M_j O_j / sum_j p_j M_j
  double log_density_at_query() const;               // log sum_j p_j rho_j(q)
  double log_density_gradient_e2() const;            // sum_j s_j <grad log rho_j(q), e_2>, s_j = p_j rho_j / rho
};

}  // namespace attnlim
