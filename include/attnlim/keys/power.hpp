// Keys with density proportional to |x - q|^gamma on S^{d-1} (gamma > -(d-1)): E/2 ~ Beta(a + gamma/2, a) and
// the direction uniform orthogonal to q (THEORY.md section 7). Its local exponent a' = a + gamma/2 differs from
// uniform keys' although the density is smooth and positive everywhere but at q.
#pragma once
#include <cmath>
#include <string>

#include "attnlim/core/variates.hpp"
#include "attnlim/keys/model.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

struct PowerKeys {
  static constexpr const char* kName = "power";
  static constexpr bool kHasDistanceSampler = true;

  int d = 3;
  double gamma = 0.0;

  ATTNLIM_HD double a() const { return 0.5 * (d - 1); }
  ATTNLIM_HD double a_local() const { return a() + 0.5 * gamma; }

  // E = 2u, u ~ Beta(a', a) from the stream's first words (the same u in both tiers).
  ATTNLIM_HD double distance(const KeyStream& stream) const {
    WordCursor cursor(stream);
    return 2.0 * beta_variate(a_local(), a(), cursor);
  }
  // K = (1 - E) e_1 + sqrt(E (2 - E)) t, t uniform on the unit sphere orthogonal to q (d - 1 normals next).
  ATTNLIM_HD double key(const KeyStream& stream, double* tangential) const {
    WordCursor cursor(stream);
    const double u = beta_variate(a_local(), a(), cursor);
    if (tangential) {
      const double norm_sq = normals_from(cursor, d - 1, tangential);
      const double scale = 2.0 * std::sqrt(u * (1.0 - u)) / std::sqrt(norm_sq);
      for (int j = 0; j < d - 1; ++j) tangential[j] *= scale;
    }
    return 2.0 * u;
  }

  // ---- host hooks (host/model/power.cpp) ----
  static PowerKeys parse(KeyParams& params, int d);  // power:gamma=G, G > -(d-1)
  std::string describe() const;
  void validate() const;
  bool symmetric_about_query() const { return true; }
  theory::LocalLaw local_law() const;             // a' = a + gamma/2, c = 2^{-a'} / (a' B(a', a))
  double distance_log_cdf(double s) const;        // I_{s/2}(a', a)
  double log_mgf(double beta) const;              // beta + log E e^{-2 beta u}
  LimitOutput limit_output(double beta) const;    // (1 - 2 E[u e^{-2 beta u}] / E[e^{-2 beta u}]) e_1
  double log_density_at_query() const;            // 0 for gamma = 0, -inf for gamma > 0, +inf for gamma < 0
  // 0 where rho is differentiable at q (gamma = 0 or gamma > 1: its gradient vanishes there), NaN otherwise.
  double log_density_gradient_e2() const;
  std::optional<BetaDistance> beta_distance() const;  // Beta(a + gamma/2, a), every tangent direction
};

}  // namespace attnlim
