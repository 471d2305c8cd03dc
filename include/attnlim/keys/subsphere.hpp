// Keys uniform on a great subsphere S^{m-1} through q (2 <= m <= d): the sphere of span(e_1, ..., e_m) in the
// query frame. Its distance law is uniform keys' at dimension m, so its local exponent is a' = (m-1)/2
// (THEORY.md section 7): it looks "uniform" around q, yet its critical scale is n^{2/(m-1)}.
#pragma once
#include <string>

#include "attnlim/keys/model.hpp"
#include "attnlim/keys/uniform.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

struct SubsphereKeys {
  static constexpr const char* kName = "subsphere";
  static constexpr bool kHasDistanceSampler = true;

  int d = 3;  // keys on S^{d-1}
  int m = 2;  // ... on its great S^{m-1} through q

  ATTNLIM_HD double distance(const KeyStream& stream) const { return uniform_distance(stream, m); }
  // The key of uniform keys in dimension m (the same numbers), the other d - m components 0.
  ATTNLIM_HD double key(const KeyStream& stream, double* tangential) const {
    const double e = uniform_key(stream, m, tangential);
    if (tangential)
      for (int j = m - 1; j < d - 1; ++j) tangential[j] = 0.0;
    return e;
  }

  // ---- host hooks (host/model/subsphere.cpp) ----
  static SubsphereKeys parse(KeyParams& params, int d);  // subsphere:m=M, 2 <= M <= d
  std::string describe() const;
  void validate() const;
  bool symmetric_about_query() const { return true; }
  theory::LocalLaw local_law() const;             // a' = (m-1)/2, c = c_m
  double distance_log_cdf(double s) const;        // I_{s/2}((m-1)/2, (m-1)/2)
  double log_mgf(double beta) const;              // log E e^{beta <q, K>} = log M_m(beta)
  LimitOutput limit_output(double beta) const;    // A_m(beta) e_1
  double log_density_at_query() const;            // NaN: no density on S^{d-1} for m < d (0 for m = d)
  double log_density_gradient_e2() const;         // NaN for m < d, 0 for m = d
  std::optional<BetaDistance> beta_distance() const;  // Beta(a_m, a_m), directions in the first m - 1
};

}  // namespace attnlim
