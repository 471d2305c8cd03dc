// Keys with density 1 + eps P_l(<mu, x>) on S^{d-1} (|eps| <= 1), P_l the degree-l Gegenbauer polynomial of
// S^{d-1} normalised to P_l(1) = 1, mu at angle T from q (THEORY.md section 7): one spherical harmonic on
// top of the uniform law, the case where the backward heat equation predicts the growth factor
// 1 + l (l + d - 2) / beta of the harmonic per attention step. Sampled by rejection from uniform keys:
// attempt j proposes a uniform key from draws j kAttemptStride on and accepts it with probability
// (1 + eps P_l(<mu, K>)) / (1 + |eps|), the uniform from the attempt's last draw.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

#include "attnlim/keys/model.hpp"
#include "attnlim/keys/uniform.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

// P_l(t) of S^{d-1}, P_l(1) = 1, by its three-term recurrence (d = 2: Chebyshev T_l, d = 3: Legendre P_l):
//   P_{k+1}(t) = ((2k + d - 2) t P_k(t) - k P_{k-1}(t)) / (k + d - 2).
// Host and device; tested against Boost.Math's gegenbauer and chebyshev_t on the host.
ATTNLIM_HD double gegenbauer_normalized(int l, int d, double t) {
  if (l == 0) return 1.0;
  double previous = 1.0, current = t;
  for (int k = 1; k < l; ++k) {
    const double next = ((2.0 * k + d - 2.0) * t * current - k * previous) / (k + d - 2.0);
    previous = current;
    current = next;
  }
  return current;
}

// Its derivative: P_l'(t) = l (l + d - 2) / (d - 1) * P_{l-1}(t) of S^{d+1}.
ATTNLIM_HD double gegenbauer_normalized_derivative(int l, int d, double t) {
  if (l == 0) return 0.0;
  return l * (l + d - 2.0) / (d - 1.0) * gegenbauer_normalized(l - 1, d + 2, t);
}

struct HarmonicKeys {
  static constexpr const char* kName = "harmonic";
  static constexpr bool kHasDistanceSampler = true;  // used where mu is q or -q (or eps = 0)
  static constexpr std::uint32_t kAttemptStride = 1u << 15;  // > 16384 blocks of the largest uniform key

  int d = 3, l = 1;
  double eps = 0.0, angle = 0.0;
  double cos_angle = 1.0, sin_angle = 0.0;  // set by prepare()

  ATTNLIM_HD bool accept(const KeyStream& attempt, double mu_dot_k) const {
    const double u = uniform_open(attempt.block(kAttemptStride - 1).v[0]);
    return u * (1.0 + std::fabs(eps)) < 1.0 + eps * gegenbauer_normalized(l, d, mu_dot_k);
  }

  ATTNLIM_HD double distance(const KeyStream& stream) const {  // symmetric cases only: mu = q or -q
    for (std::uint32_t attempt = 0;; ++attempt) {
      const KeyStream s = stream.shifted(attempt * kAttemptStride);
      const double e = uniform_distance(s, d);
      if (accept(s, cos_angle * (1.0 - e))) return e;
    }
  }

  ATTNLIM_HD double key(const KeyStream& stream, double* tangential) const {
    for (std::uint32_t attempt = 0;; ++attempt) {
      const KeyStream s = stream.shifted(attempt * kAttemptStride);
      double e2 = 0.0;
      const double e = uniform_key(s, d, tangential, &e2);
      if (accept(s, cos_angle * (1.0 - e) + sin_angle * e2)) return e;
    }
  }

  // ---- host hooks (host/model/harmonic.cpp) ----
  static HarmonicKeys parse(KeyParams& params, int d);  // harmonic:l=L,eps=E,angle=T
  void prepare();
  std::string describe() const;
  void validate() const;  // also refuses rho(q) = 0: the local law would have another exponent
  bool symmetric_about_query() const { return eps == 0.0 || sin_angle == 0.0; }
  double rho_at_query() const;                  // 1 + eps P_l(cos T)
  theory::LocalLaw local_law() const;           // a' = a, c = c_d rho(q)
  double distance_log_cdf(double s) const;      // F_unif(s) + eps P_l(cos T) int_0^s f_E P_l(1 - e) de
  double log_mgf(double beta) const;
  LimitOutput limit_output(double beta) const;  // by Funk-Hecke and one-dimensional quadratures
  double log_density_at_query() const { return std::log(rho_at_query()); }
  double log_density_gradient_e2() const;       // eps P_l'(cos T) sin T / rho(q)
  std::optional<BetaDistance> beta_distance() const { return std::nullopt; }  // not a Beta law
};

}  // namespace attnlim
