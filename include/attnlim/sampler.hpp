// Key samplers in the query frame (q = e_1). THEORY.md section 1: a key is K = g / |g| for a standard
// Gaussian g = (g_1, g_perp); its distance E = 1 - <q, K> is computed without cancellation as
//   E = C / (R (R + g_1))  if g_1 > 0,   E = 1 + |g_1| / R  otherwise,   R = |g|, C = |g_perp|^2.
// Two tiers, one stream layout (counter = key index lo, key index hi, trial, draw):
//  - full:      g_1..g_d from Box-Muller normals, 4 per Philox block (draw = 0, 1, ...); E from g_1
//               and the pairs' squared radii (sample_full_key), so only the pairs that need it pay for
//               an angle;
//  - projected: g_1 from block 0 and C ~ chi^2(d-1) drawn directly (see sample_projected_key), so
//               the cost per key does not grow with d. Same law of E, different numbers.
#pragma once
#include <cmath>
#include "attnlim/common.hpp"
#include "attnlim/philox.hpp"

namespace attnlim {

enum class SamplerTier : int { full = 0, projected = 1 };

// Uniform on (0, 1) from 32 bits: (x + 1/2) 2^-32, exact in double, never 0 or 1.
ATTNLIM_HD double uniform_open(std::uint32_t x) { return (static_cast<double>(x) + 0.5) * 2.3283064365386963e-10; }

// Uniform on (0, 1) from two words: (hi 2^32 + lo + 1/2) 2^-64, full relative precision near 0.
ATTNLIM_HD double uniform64(std::uint32_t hi, std::uint32_t lo) {
  return static_cast<double>(hi) * 2.3283064365386963e-10 + (static_cast<double>(lo) + 0.5) * 5.421010862427522e-20;
}

// Standard exponential from two words: -log1p(-V), V = uniform64. Small values come from V near 0,
// where V keeps full relative precision down to ~1e-19 (a 32-bit -log(U) could not go below
// 2^-33 ~ 1.2e-10, too coarse for the nearest of 1e12 keys).
ATTNLIM_HD double exponential64(std::uint32_t hi, std::uint32_t lo) { return -std::log1p(-uniform64(hi, lo)); }

// Box-Muller's squared radius z0^2 + z1^2 = -2 log U (an Exp(1/2) variable) from the pair's first word.
ATTNLIM_HD double radius_squared(std::uint32_t w0) { return -2.0 * std::log(uniform_open(w0)); }

// The pair (radius cos, radius sin) of the angle 2 pi U, U = uniform_open(w1).
ATTNLIM_HD void polar_pair(double radius, std::uint32_t w1, double& z0, double& z1) {
  const double turn = 2.0 * uniform_open(w1);  // angle in units of pi
  double s, c;
#if defined(__CUDA_ARCH__)
  sincospi(turn, &s, &c);
#else
  const double angle = turn * 3.14159265358979323846;
  s = std::sin(angle);
  c = std::cos(angle);
#endif
  z0 = radius * c;
  z1 = radius * s;
}

// Box-Muller: two independent standard normals from two uniform words.
ATTNLIM_HD void box_muller(std::uint32_t w0, std::uint32_t w1, double& z0, double& z1) {
  polar_pair(std::sqrt(radius_squared(w0)), w1, z0, z1);
}

// Four normals from one Philox block.
ATTNLIM_HD void normals4(const Philox4& block, double z[4]) {
  box_muller(block.v[0], block.v[1], z[0], z[1]);
  box_muller(block.v[2], block.v[3], z[2], z[3]);
}

// Cancellation-free distance from the query-frame decomposition (g_1, C = |g_perp|^2).
ATTNLIM_HD double distance_from_parts(double g1, double perp_sq) {
  const double radius = std::sqrt(g1 * g1 + perp_sq);
  return g1 > 0.0 ? perp_sq / (radius * (radius + g1)) : 1.0 + (-g1) / radius;
}

// Number of Philox blocks a full key of dimension d uses.
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
ATTNLIM_HD double sample_full_key(std::uint64_t seed, std::uint32_t trial, std::uint64_t key_index, int d,
                                  double* tangential = nullptr) {
  double g1 = 0.0, perp_sq = 0.0;
  const int blocks = full_key_blocks(d);
  for (int b = 0; b < blocks; ++b) {
    const Philox4 block = key_block(seed, trial, key_index, static_cast<std::uint32_t>(b));
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
      double z0, z1;
      polar_pair(std::sqrt(r2), w1, z0, z1);
      if (coord == 0) {
        g1 = z0;
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
  if (tangential) {
    const double inv_radius = 1.0 / std::sqrt(g1 * g1 + perp_sq);
    for (int j = 0; j < d - 1; ++j) tangential[j] *= inv_radius;
  }
  return e;
}

// Gamma(shape, 1) for shape >= 1 by Marsaglia-Tsang (2000); its normals and uniforms come from
// draws first_draw, first_draw + 1, ... of this key (one attempt per block; acceptance >= 95%).
ATTNLIM_HD double gamma_marsaglia_tsang(double shape, std::uint64_t seed, std::uint32_t trial,
                                        std::uint64_t key_index, std::uint32_t first_draw) {
  const double dd = shape - 1.0 / 3.0;
  const double cc = 1.0 / std::sqrt(9.0 * dd);
  for (std::uint32_t draw = first_draw;; ++draw) {
    const Philox4 block = key_block(seed, trial, key_index, draw);
    double x, unused;
    box_muller(block.v[0], block.v[1], x, unused);
    const double t = 1.0 + cc * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = uniform_open(block.v[2]);
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return dd * v;  // Marsaglia-Tsang's squeeze: no logs, most draws
    if (std::log(u) < 0.5 * x2 + dd - dd * v + dd * std::log(v)) return dd * v;
  }
}

// Dimensions up to which the projected tier builds chi^2(d-1) from exponentials instead of rejection.
constexpr int kProjectedExponentialMaxD = 7;

// Projected tier: E only. Block 0 gives g_1 (and a second normal z). C = |g_perp|^2 ~ chi^2(d-1):
//  - d = 3: E = 2 V directly (Archimedes: E is uniform on [0, 2]).
//  - d <= 7: chi^2(2k) = 2 (Exp_1 + ... + Exp_k), k = floor((d-1)/2) 64-bit exponentials (words 2-3 of
//    block 0, then words 0-1, 2-3 of block 1), plus z^2 when d - 1 is odd. Exact, full precision near
//    C = 0 (the small-d regime where the nearest distance gets tiny), one Philox block for d <= 4.
//  - d > 7: 2 Gamma((d-1)/2) by Marsaglia-Tsang from draws 1, 2, ...
ATTNLIM_HD double sample_projected_key(std::uint64_t seed, std::uint32_t trial, std::uint64_t key_index, int d) {
  const Philox4 block = key_block(seed, trial, key_index, 0u);
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
      const Philox4 more = key_block(seed, trial, key_index, 1u);
      exponentials += exponential64(more.v[0], more.v[1]);
      if (k >= 3) exponentials += exponential64(more.v[2], more.v[3]);
    }
    perp_sq = 2.0 * exponentials + ((d - 1) % 2 ? z * z : 0.0);
  } else {
    perp_sq = 2.0 * gamma_marsaglia_tsang(0.5 * (d - 1), seed, trial, key_index, 1u);
  }
  return distance_from_parts(g1, perp_sq);
}

}  // namespace attnlim
