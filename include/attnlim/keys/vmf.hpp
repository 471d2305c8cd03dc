// von Mises-Fisher keys, density proportional to exp(kappa <mu, x>), the mean direction mu at angle T from q:
// mu = cos T e_1 + sin T e_2 in the query frame (THEORY.md section 7). Sampled by Wood (1994): w = <mu, K> by
// rejection from a Beta proposal, K = w mu + sqrt(1 - w^2) v with v uniform on the unit sphere orthogonal to
// mu. Its local exponent is uniform keys' a; only the constant c = c_d rho(q) feels where mu is.
//
// The distance without cancellation: with alpha the angle from mu to K and phi the angle at mu between the
// great circles to q and to K, the haversine law gives
//   E = 1 - <q, K> = 2 sin^2((alpha - T)/2) + sin(alpha) sin(T) (1 + v_nu),   v_nu = <v, nu>,
// a sum of non-negative terms, with 1 - w and 1 + w carried from the Beta variate (both exact near 0) and
// 1 + v_nu formed like distance_from_parts. For T = 0 and T = pi it is exactly 1 - w and 1 + w; otherwise
// alpha - T keeps an absolute ~1e-16 (alpha is drawn, not alpha - T), so E's relative precision is
// ~2e-16 / sqrt(E): 1e-10 at E = 1e-12.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

#include "attnlim/core/frame.hpp"
#include "attnlim/core/variates.hpp"
#include "attnlim/keys/model.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

struct VmfKeys {
  static constexpr const char* kName = "vmf";
  static constexpr bool kHasDistanceSampler = true;  // used where the axis is q or -q (or kappa = 0)
  // Wood's attempt j reads draws kAttemptBase + j kAttemptStride on; the direction v draws 0, 1, ... (at most
  // 16384 blocks for d <= 65536), so both tiers draw the same w.
  static constexpr std::uint32_t kAttemptBase = 1u << 20, kAttemptStride = 64;

  int d = 3;
  double kappa = 0.0, angle = 0.0;
  // Set by prepare(): Wood's constants and the axis in the frame.
  double b = 1.0, x0 = 0.0, c = 0.0, one_minus_x0 = 1.0, cos_angle = 1.0, sin_angle = 0.0;

  // Wood's rejection: 1 - w and 1 + w, each to full relative precision.
  ATTNLIM_HD void draw_w(const KeyStream& stream, double& one_minus_w, double& one_plus_w) const {
    const double a = 0.5 * (d - 1);
    for (std::uint32_t attempt = 0;; ++attempt) {
      WordCursor cursor(stream.shifted(kAttemptBase + attempt * kAttemptStride));
      double one_minus_z;
      const double z = beta_variate(a, a, cursor, &one_minus_z);
      const double u = cursor.uniform();
      const double denom = one_minus_z + b * z;  // 1 - (1 - b) z, both terms >= 0
      one_minus_w = 2.0 * b * z / denom;
      one_plus_w = 2.0 * one_minus_z / denom;
      const double w = 1.0 - one_minus_w;
      const double one_minus_x0w = one_minus_x0 + x0 * one_minus_w;  // 1 - x0 w without cancellation
      if (kappa * w + (d - 1) * std::log(one_minus_x0w) - c >= std::log(u)) return;
    }
  }

  ATTNLIM_HD double distance(const KeyStream& stream) const {  // symmetric cases only: axis q or -q
    double one_minus_w, one_plus_w;
    draw_w(stream, one_minus_w, one_plus_w);
    return cos_angle >= 0.0 ? one_minus_w : one_plus_w;
  }

  ATTNLIM_HD double key(const KeyStream& stream, double* tangential) const {
    double one_minus_w, one_plus_w;
    draw_w(stream, one_minus_w, one_plus_w);
    // v from d - 1 normals: g_nu along nu = -sin T e_1 + cos T e_2, the rest along e_3 .. e_d. A pair wholly in
    // the rest adds its squared radius -2 log U (no angle unless the coordinates are asked for), as uniform keys
    // do: E depends on the key only, and at large d the angles (most of the cost) are skipped.
    WordCursor cursor(stream);
    double g_nu = 0.0, rest_sq = 0.0;
    for (int j = 0; j < d - 1; j += 2) {
      double z0, z1;
      if (j > 0 && j + 1 < d - 1) {
        rest_sq += tangential ? cursor.pair_squared_radius(&tangential[j], &tangential[j + 1])
                              : cursor.pair_squared_radius();
        continue;
      }
      cursor.normal_pair(z0, z1);
      if (j == 0) {
        g_nu = z0;
      } else {
        rest_sq += z0 * z0;
        if (tangential) tangential[j] = z0;
      }
      if (j + 1 < d - 1) {
        rest_sq += z1 * z1;
        if (tangential) tangential[j + 1] = z1;
      }
    }
    const double g_norm = std::sqrt(g_nu * g_nu + rest_sq);
    const double sin_alpha = std::sqrt(one_minus_w * one_plus_w);
    double e;
    if (sin_angle == 0.0) {
      e = cos_angle > 0.0 ? one_minus_w : one_plus_w;
    } else {
      const double alpha = 2.0 * std::atan2(std::sqrt(one_minus_w), std::sqrt(one_plus_w));
      const double half = std::sin(0.5 * (alpha - angle));
      e = 2.0 * half * half + sin_alpha * sin_angle * distance_from_parts(-g_nu, rest_sq);
    }
    if (tangential) {
      const double w = 1.0 - one_minus_w, v_nu = g_nu / g_norm, scale = sin_alpha / g_norm;
      tangential[0] = w * sin_angle + sin_alpha * v_nu * cos_angle;  // <K, e_2>
      for (int j = 1; j < d - 1; ++j) tangential[j] *= scale;        // s v_rest
    }
    return e;
  }

  // ---- host hooks (host/model/vmf.cpp) ----
  static VmfKeys parse(KeyParams& params, int d);  // vmf:kappa=K,angle=T (K >= 0, 0 <= T <= pi)
  void prepare();                                  // Wood's constants and the axis from d, kappa, angle
  std::string describe() const;
  void validate() const;
  bool symmetric_about_query() const { return kappa == 0.0 || sin_angle == 0.0; }
  theory::LocalLaw local_law() const;           // a' = a, c = c_d e^{kappa cos T} / M_d(kappa)
  double distance_log_cdf(double s) const;      // quadrature over the cap (the density averaged on each circle)
  double log_mgf(double beta) const;            // log M_d(|beta q + kappa mu|) - log M_d(kappa)
  LimitOutput limit_output(double beta) const;  // A_d(r) v / r, v = beta e_1 + kappa mu, r = |v|: exact
  double log_density_at_query() const;          // kappa cos T - log M_d(kappa)
  double log_density_gradient_e2() const { return kappa * sin_angle; }
  std::optional<BetaDistance> beta_distance() const { return std::nullopt; }  // not a Beta law
};

}  // namespace attnlim
