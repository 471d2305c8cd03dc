// Random variates from Philox words, host and device: the building blocks every key model's sampler uses.
// All are exact transformations of the words (no state), so a key's numbers depend on its stream only.
#pragma once
#include <cmath>
#include <cstdint>

#include "attnlim/core/common.hpp"
#include "attnlim/core/key_stream.hpp"
#include "attnlim/core/philox.hpp"

namespace attnlim {

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

// sin(pi x) and cos(pi x) with the argument reduced exactly, as CUDA's sincospi does on the device: x is
// taken to the nearest quarter turn k/2 (x - k/2 is exact: |x - k/2| <= 1/4 and both are multiples of x's
// ulp), so each result keeps full relative precision next to the multiples of pi/2. Rounding pi x first
// instead costs an absolute ~ulp(pi x): next to x = 2 that is most of sin's value (7.4e-7 relative at the
// angle words nearest a whole turn), exactly where a key is next to the query.
ATTNLIM_HD void sincospi_exact(double x, double& s, double& c) {
#if defined(__CUDA_ARCH__)
  sincospi(x, &s, &c);
#else
  const double k = std::floor(2.0 * x + 0.5);  // nearest quarter turn
  const double angle = (x - 0.5 * k) * kPi;
  const double sr = std::sin(angle), cr = std::cos(angle);
  switch (static_cast<long long>(k) & 3) {
    case 0: s = sr, c = cr; break;
    case 1: s = cr, c = -sr; break;
    case 2: s = -sr, c = -cr; break;
    default: s = -cr, c = sr; break;
  }
#endif
}

// The pair (radius cos, radius sin) of the angle 2 pi U, U = uniform_open(w1).
ATTNLIM_HD void polar_pair(double radius, std::uint32_t w1, double& z0, double& z1) {
  double s, c;
  sincospi_exact(2.0 * uniform_open(w1), s, c);  // angle in units of pi
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

// Gamma(shape, 1) for shape >= 1 by Marsaglia-Tsang (2000); its normals and uniforms come from
// draws first_draw, first_draw + 1, ... of the stream (one attempt per block; acceptance >= 95%).
// *next_draw (if given) receives the draw after the accepted attempt.
ATTNLIM_HD double gamma_marsaglia_tsang(double shape, const KeyStream& stream, std::uint32_t first_draw,
                                        std::uint32_t* next_draw = nullptr) {
  const double dd = shape - 1.0 / 3.0;
  const double cc = 1.0 / std::sqrt(9.0 * dd);
  for (std::uint32_t draw = first_draw;; ++draw) {
    const Philox4 block = stream.block(draw);
    double x, unused;
    box_muller(block.v[0], block.v[1], x, unused);
    const double t = 1.0 + cc * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = uniform_open(block.v[2]);
    const double x2 = x * x;
    const bool accept = u < 1.0 - 0.0331 * x2 * x2 ||  // Marsaglia-Tsang's squeeze: no logs, most draws
                        std::log(u) < 0.5 * x2 + dd - dd * v + dd * std::log(v);
    if (accept) {
      if (next_draw) *next_draw = draw + 1;
      return dd * v;
    }
  }
}

}  // namespace attnlim

namespace attnlim {

// Reads a stream's words in order, block by block (draw 0, 1, ...): for samplers that take a variable
// number of variates (rejection), so that each variate still comes from fixed words of the key's stream.
struct WordCursor {
  KeyStream stream;
  std::uint32_t draw = 0;
  int word = 4;
  Philox4 block{};

  ATTNLIM_HD explicit WordCursor(const KeyStream& s) : stream(s) {}
  ATTNLIM_HD std::uint32_t next() {
    if (word == 4) {
      block = stream.block(draw++);
      word = 0;
    }
    return block.v[word++];
  }
  ATTNLIM_HD double uniform() { return uniform_open(next()); }
  ATTNLIM_HD double uniform_fine() {  // 64 bits: full relative precision near 0
    const std::uint32_t hi = next();
    return uniform64(hi, next());
  }
  ATTNLIM_HD double exponential() {
    const std::uint32_t hi = next();
    return exponential64(hi, next());
  }
  ATTNLIM_HD void normal_pair(double& z0, double& z1) {
    const std::uint32_t w0 = next();
    box_muller(w0, next(), z0, z1);
  }
  // The same two words as normal_pair, giving z0^2 + z1^2 = -2 log U without the angle; *z0, *z1 (if given)
  // receive the pair itself. A sum of squares taken this way does not depend on whether the pair was asked for.
  ATTNLIM_HD double pair_squared_radius(double* z0 = nullptr, double* z1 = nullptr) {
    const std::uint32_t w0 = next(), w1 = next();
    const double r2 = radius_squared(w0);
    if (z0) polar_pair(std::sqrt(r2), w1, *z0, *z1);
    return r2;
  }
};

// k standard normals into out[0..k-1] (Box-Muller pairs); returns their sum of squares.
ATTNLIM_HD double normals_from(WordCursor& cursor, int k, double* out) {
  double sum_sq = 0.0;
  for (int j = 0; j < k; j += 2) {
    double z0, z1;
    cursor.normal_pair(z0, z1);
    out[j] = z0;
    sum_sq += z0 * z0;
    if (j + 1 < k) {
      out[j + 1] = z1;
      sum_sq += z1 * z1;
    }
  }
  return sum_sq;
}

// Gamma(shape, 1) for any shape > 0 from the cursor's words.
//  - 2 shape a whole number <= 7 (the half-integer shapes of chi^2 with <= 7 degrees of freedom): a sum of
//    64-bit exponentials, plus half a squared normal for a half, so values near 0 keep full relative
//    precision (they decide the nearest keys);
//  - otherwise Marsaglia-Tsang (2000) on the cursor, and for shape < 1 the boost Gamma(shape + 1) U^{1/shape}.
ATTNLIM_HD double gamma_variate(double shape, WordCursor& cursor) {
  const double twice = 2.0 * shape;
  if (twice == std::floor(twice) && twice <= 7.0) {
    const int k = static_cast<int>(twice);
    double sum = 0.0;
    for (int j = 0; j < k / 2; ++j) sum += cursor.exponential();
    if (k % 2) {
      double z, unused;
      cursor.normal_pair(z, unused);
      sum += 0.5 * z * z;
    }
    return sum;
  }
  const double boost = shape < 1.0 ? std::pow(cursor.uniform_fine(), 1.0 / shape) : 1.0;
  const double s = shape < 1.0 ? shape + 1.0 : shape;
  const double dd = s - 1.0 / 3.0;
  const double cc = 1.0 / std::sqrt(9.0 * dd);
  for (;;) {
    double x, unused;
    cursor.normal_pair(x, unused);
    const double t = 1.0 + cc * x;
    const double u = cursor.uniform();
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + dd - dd * v + dd * std::log(v)) return dd * v * boost;
  }
}

// Beta(p, q) as X / (X + Y), X ~ Gamma(p), Y ~ Gamma(q): full relative precision near 0 where X does, and
// (if asked) 1 - B = Y / (X + Y) with full relative precision near 1.
ATTNLIM_HD double beta_variate(double p, double q, WordCursor& cursor, double* one_minus = nullptr) {
  const double x = gamma_variate(p, cursor);
  const double y = gamma_variate(q, cursor);
  if (one_minus) *one_minus = y / (x + y);
  return x / (x + y);
}

}  // namespace attnlim
