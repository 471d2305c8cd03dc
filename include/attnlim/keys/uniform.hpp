// Uniform keys on S^{d-1} (THEORY.md section 1), the first key model. A key is K = g / |g| for a standard
// Gaussian g = (g_1, g_perp) in the query frame; its distance comes from distance_from_parts (frame.hpp).
// Two samplers, one stream layout (KeyStream draws 0, 1, ...):
//  - key (FullKey):          g_1..g_d from Box-Muller normals, 4 per Philox block; E from g_1 and the
//                            pairs' squared radii (uniform_key), so only the pairs that need it pay for an
//                            angle;
//  - distance (DistanceOnly): g_1 from block 0 and C ~ chi^2(d-1) drawn directly (uniform_distance), so
//                            the cost per key does not grow with d. Same law of E, different numbers.
#pragma once
#include <cmath>
#include <limits>
#include <string>

#include "attnlim/core/common.hpp"
#include "attnlim/core/frame.hpp"
#include "attnlim/core/key_stream.hpp"
#include "attnlim/core/variates.hpp"
#include "attnlim/keys/model.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

// Number of Philox blocks a full uniform key of dimension d uses.
ATTNLIM_HD int full_key_blocks(int d) { return (d + 3) / 4; }

// Full tier. Returns E; if tangential != nullptr, writes K_perp = g_perp / R (d - 1 components).
// The key is g = (z_0, ..., z_{d-1}) from Box-Muller pairs (z_{2p}, z_{2p+1}), p = 0, 1, ..., with
// radius r_p = sqrt(-2 log U_p) (word 2(p mod 2) of block p / 2) and the angle from the next word.
// E needs only g_1 = z_0 and C = |g_perp|^2, and z_{2p}^2 + z_{2p+1}^2 = r_p^2, so C is summed pair by
// pair in coordinate order as
//   (r_0 sin)^2  +  sum over pairs p >= 1 with both coordinates < d of r_p^2  +  (r_P cos)^2 if d is odd,
// which skips the angle (sin, cos) and the square root of every pair in between: the same key and the
// same E as the sum of the d - 1 squared coordinates, up to rounding (a few ulps relative; tested).
// Whether or not tangential is asked for, E is computed this way, so it depends on the key only.
// *e2 (if given) receives the key's component on e_2, z_1 / R (d >= 2), without the other components.
ATTNLIM_HD double uniform_key(const KeyStream& stream, int d, double* tangential, double* e2 = nullptr) {
  double g1 = 0.0, perp_sq = 0.0, z1_of_pair0 = 0.0;
  const int blocks = full_key_blocks(d);
  for (int b = 0; b < blocks; ++b) {
    const Philox4 block = stream.block(static_cast<std::uint32_t>(b));
ATTNLIM_UNROLL
    for (int pair = 0; pair < 2; ++pair) {
      const int coord = 4 * b + 2 * pair;  // coordinates coord, coord + 1 (0-based; coordinate 0 is g_1)
      if (coord >= d) break;
      const std::uint32_t w0 = block.v[2 * pair], w1 = block.v[2 * pair + 1];
      const bool both = coord + 1 < d;
      const double r2 = radius_squared(w0);
      if (coord > 0 && both && !tangential) {
        perp_sq += r2;
        continue;
      }
      // (coordinate 1, e_2's, is in pair 0, which always takes its angle below)
      double z0, z1;
      polar_pair(std::sqrt(r2), w1, z0, z1);
      if (coord == 0) {
        g1 = z0;
        z1_of_pair0 = both ? z1 : 0.0;
        if (both) perp_sq += z1 * z1;
      } else if (both) {
        perp_sq += r2;
      } else {
        perp_sq += z0 * z0;
      }
      if (tangential) {
        if (coord > 0) tangential[coord - 1] = z0;
        if (both) tangential[coord] = z1;
      }
    }
  }
  const double e = distance_from_parts(g1, perp_sq);
  if (tangential || e2) {
    const double inv_radius = 1.0 / std::sqrt(g1 * g1 + perp_sq);
    if (tangential)
      for (int j = 0; j < d - 1; ++j) tangential[j] *= inv_radius;
    if (e2) *e2 = z1_of_pair0 * inv_radius;
  }
  return e;
}

// Middle pairs (both coordinates tangential) enter E only through r_p^2 = -2 log U_p. An accelerator may
// multiply up to kUniformProductFactors of those U_p before one log: U_p >= 2^-33, so a product of 16 stays
// >= 2^-528, far from underflow, and the logs per key drop from d/2 to about d/32. The product carries at most
// (factors - 1) roundings of 2^-53 relative, i.e. an absolute error of at most ~1.1e-16 per factor in log,
// 2.2e-16 per pair in C: relative to C >= kUniformProductGuard x (number of middle pairs) that is <= 2.2e-13,
// plus the logs' few ulps -- inside kAcceleratorMargin (tiers.hpp). A key with a smaller C (where that bound
// would not hold) is recomputed by uniform_key.
constexpr int kUniformProductFactors = 16;
constexpr double kUniformProductGuard = 1e-3;

// Whether uniform_key_distance_products forms a product of two or more uniforms (d >= 6); below, it is
// uniform_key itself.
ATTNLIM_HD bool uniform_products_formed(int d) { return d / 2 - 1 >= 2; }

// uniform_key's E (no tangential output) with the middle pairs' squared radii summed as -2 log of products
// of up to kUniformProductFactors uniforms, in pair order: pair 0's z_1^2, plus the products' -2 log, plus the
// odd last coordinate's square. NaN where C < kUniformProductGuard x (middle pairs): the caller recomputes
// those keys with uniform_key. For d >= 6 (uniform_products_formed). The scalar twin of the CPU's AVX2 batch
// (host/cpu/uniform_batch.cpp), and the GPU's device accelerator (cuda/keys/uniform.cu).
ATTNLIM_HD double uniform_product_distance(const KeyStream& stream, int d) {
  const int middle_pairs = d / 2 - 1;
  const int last_pair = (d - 1) / 2;  // pair of coordinate d - 1
  const bool odd_last = d % 2 != 0;   // the last pair has one coordinate (d - 1) only
  double g1 = 0.0, first = 0.0, last = 0.0, sum = 0.0, product = 1.0;
  int factors = 0;
  const int blocks = full_key_blocks(d);
  for (int b = 0; b < blocks; ++b) {
    const Philox4 block = stream.block(static_cast<std::uint32_t>(b));
ATTNLIM_UNROLL
    for (int pair = 0; pair < 2; ++pair) {
      const int p = 2 * b + pair;
      if (p > last_pair) break;
      const std::uint32_t w0 = block.v[2 * pair], w1 = block.v[2 * pair + 1];
      if (p == 0 || (p == last_pair && odd_last)) {  // g_1 and z_1, or coordinate d - 1 alone
        double z0, z1;
        polar_pair(std::sqrt(radius_squared(w0)), w1, z0, z1);
        if (p == 0) {
          g1 = z0;
          first = z1 * z1;
        } else {
          last = z0 * z0;
        }
      } else {  // a middle pair: r_p^2 only, through the product
        product *= uniform_open(w0);
        if (++factors == kUniformProductFactors) {
          sum += -2.0 * std::log(product);
          product = 1.0;
          factors = 0;
        }
      }
    }
  }
  if (factors > 0) sum += -2.0 * std::log(product);
  const double perp_sq = (first + sum) + last;
  if (perp_sq < kUniformProductGuard * middle_pairs) return std::numeric_limits<double>::quiet_NaN();
  return distance_from_parts(g1, perp_sq);
}

// uniform_product_distance where it serves, uniform_key's E elsewhere (d < 6, and the keys under the guard):
// within kAcceleratorMargin of uniform_key's E for every key, bitwise it where no product forms.
ATTNLIM_HD double uniform_key_distance_products(const KeyStream& stream, int d) {
  if (!uniform_products_formed(d)) return uniform_key(stream, d, nullptr);
  const double e = uniform_product_distance(stream, d);
  return e == e ? e : uniform_key(stream, d, nullptr);
}

// Dimensions up to which the distance-only sampler builds chi^2(d-1) from exponentials instead of rejection.
constexpr int kProjectedExponentialMaxD = 7;

// Distance-only tier: E only. Block 0 gives g_1 (and a second normal z). C = |g_perp|^2 ~ chi^2(d-1):
//  - d = 3: E = 2 V directly (Archimedes: E is uniform on [0, 2]).
//  - d <= 7: chi^2(2k) = 2 (Exp_1 + ... + Exp_k), k = floor((d-1)/2) 64-bit exponentials (words 2-3 of
//    block 0, then words 0-1, 2-3 of block 1), plus z^2 when d - 1 is odd. Exact, full precision near
//    C = 0 (the small-d regime where the nearest distance gets tiny), one Philox block for d <= 4.
//  - d > 7: 2 Gamma((d-1)/2) by Marsaglia-Tsang from draws 1, 2, ...
ATTNLIM_HD double uniform_distance(const KeyStream& stream, int d) {
  const Philox4 block = stream.block(0u);
  // d = 3: E is exactly uniform on [0, 2] (Archimedes, THEORY.md section 6): one 64-bit uniform.
  if (d == 3) return 2.0 * uniform64(block.v[0], block.v[1]);
  double g1, z;
  box_muller(block.v[0], block.v[1], g1, z);
  double perp_sq;
  if (d <= kProjectedExponentialMaxD) {
    const int k = (d - 1) / 2;
    double exponentials = 0.0;
    if (k >= 1) exponentials += exponential64(block.v[2], block.v[3]);
    if (k >= 2) {
      const Philox4 more = stream.block(1u);
      exponentials += exponential64(more.v[0], more.v[1]);
      if (k >= 3) exponentials += exponential64(more.v[2], more.v[3]);
    }
    perp_sq = 2.0 * exponentials + ((d - 1) % 2 ? z * z : 0.0);
  } else {
    perp_sq = 2.0 * gamma_marsaglia_tsang(0.5 * (d - 1), stream, 1u);
  }
  return distance_from_parts(g1, perp_sq);
}

// What one key costs in random numbers, for the benchmarks' limits (bench/): Philox blocks turned into
// Box-Muller normals, and blocks used as raw uniforms or exponentials.
struct UniformCost {
  double normal_blocks = 0, raw_blocks = 0;
};
// FullKey: every block becomes normals (E skips the middle pairs' angles, not their blocks). DistanceOnly:
// d = 2 and 4 one normal block; d = 3 one raw block (E = 2V); d = 5..7 a normal block and a block of
// exponentials; d > 7 a normal block and the Marsaglia-Tsang attempts (one Box-Muller block each: about
// one; the exact mean is uniform_distance_blocks averaged over keys).
inline UniformCost uniform_cost(bool full_key, int d) {
  if (full_key) return {static_cast<double>(full_key_blocks(d)), 0.0};
  if (d == 3) return {0.0, 1.0};
  if (d <= 4) return {1.0, 0.0};
  if (d <= kProjectedExponentialMaxD) return {1.0, 1.0};
  return {2.0, 0.0};
}

// The Philox blocks uniform_distance reads for this key (1 + Marsaglia-Tsang attempts for d > 7).
ATTNLIM_HD std::uint32_t uniform_distance_blocks(const KeyStream& stream, int d) {
  if (d <= 4) return 1u;
  if (d <= kProjectedExponentialMaxD) return 2u;
  std::uint32_t next = 0;
  gamma_marsaglia_tsang(0.5 * (d - 1), stream, 1u, &next);
  return next;
}

// The key model: trivially copyable, passed by value into kernels.
struct UniformKeys {
  static constexpr const char* kName = "uniform";
  static constexpr bool kHasDistanceSampler = true;  // distance(): the DistanceOnly tier

  int d = 3;  // keys on S^{d-1}

  ATTNLIM_HD double distance(const KeyStream& stream) const { return uniform_distance(stream, d); }
  ATTNLIM_HD double key(const KeyStream& stream, double* tangential) const {
    return uniform_key(stream, d, tangential);
  }

  // ---- host hooks (host/model/uniform.cpp) ----
  static UniformKeys parse(KeyParams& params, int d);  // "uniform" takes no parameters
  std::string describe() const;                        // the canonical SPEC
  void validate() const;
  bool symmetric_about_query() const { return true; }  // E carries the whole law
  theory::LocalLaw local_law() const;                  // a = (d-1)/2, c = c_d
  double distance_log_cdf(double s) const;             // log P(E <= s) = log I_{s/2}(a, a)
  double log_mgf(double beta) const;                   // log E e^{beta <q, K>} = log M_d(beta)
  LimitOutput limit_output(double beta) const;         // A_d(beta) e_1
  double log_density_at_query() const { return 0.0; }        // rho = 1
  double log_density_gradient_e2() const { return 0.0; }
  std::optional<BetaDistance> beta_distance() const;  // Beta(a, a), every tangent direction
};

}  // namespace attnlim
