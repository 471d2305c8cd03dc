// The mergeable per-trial softmax sums (DESIGN.md principle 3), as host/device primitives over raw
// arrays so that registers, local memory, shared memory and std::vector can all hold it.
//
// For a grid of betas the state is: count, running minimum distance m, and per beta
//   s0 = sum e^{-beta (E - m)},  s1 = sum e^{-beta (E - m)} (E - m),  s2 = sum e^{-2 beta (E - m)},
// optionally the weighted tangential key sum v = sum e^{-beta (E - m)} K_perp (tangent_dim numbers).
// Shifting the reference from m to m' <= m multiplies by f = e^{-beta (m - m')}: s0 -> f s0,
// s1 -> f (s1 + (m - m') s0), s2 -> f^2 s2, v -> f v. Merge = shift both to the smaller m, then add.
// Every weight observable follows: w_max = 1/s0, ipr = s2/s0^2, entropy = log s0 + beta s1/s0,
// bias = sum w E = m + s1/s0, log Z = log sum e^{beta X} = beta (1 - m) + log s0.
#pragma once
#include <cmath>
#include "attnlim/core/common.hpp"

namespace attnlim {

// Beyond this exponent e^{-x} underflows to exactly 0 in double (smallest subnormal ~ e^{-744.4}).
constexpr double kExpUnderflow = 746.0;

struct BetaSums {
  double s0, s1, s2;
};

// Re-express sums taken relative to from_min relative to to_min (to_min <= from_min).
ATTNLIM_HD BetaSums shift_sums(BetaSums x, double beta, double from_min, double to_min) {
  if (x.s0 == 0.0) return BetaSums{0.0, 0.0, 0.0};
  const double delta = from_min - to_min;
  const double f = std::exp(-beta * delta);
  return BetaSums{f * x.s0, f * (x.s1 + delta * x.s0), f * f * x.s2};
}

// Add one key at distance e (with optional tangential direction of tangent_dim numbers) to the state.
ATTNLIM_HD void accumulate_key(double e, const double* tangential, int tangent_dim, const double* betas,
                               int num_betas, std::uint64_t& count, double& min_distance, double* s0, double* s1,
                               double* s2, double* vec) {
  if (count == 0 || e < min_distance) {
    const bool first = count == 0;
    for (int b = 0; b < num_betas; ++b) {
      BetaSums x{0.0, 0.0, 0.0};
      double f = 0.0;
      if (!first) {
        x = shift_sums(BetaSums{s0[b], s1[b], s2[b]}, betas[b], min_distance, e);
        f = std::exp(-betas[b] * (min_distance - e));
      }
      s0[b] = x.s0 + 1.0;
      s1[b] = x.s1;
      s2[b] = x.s2 + 1.0;
      if (vec)
        for (int j = 0; j < tangent_dim; ++j) vec[b * tangent_dim + j] = f * vec[b * tangent_dim + j] + tangential[j];
    }
    min_distance = e;
  } else {
    const double excess = e - min_distance;
    for (int b = 0; b < num_betas; ++b) {
      const double exponent = betas[b] * excess;
      // e^{-746} is 0 in double: skipping the call changes no bit, and most keys are that far.
      if (exponent > kExpUnderflow) continue;
      const double t = std::exp(-exponent);
      s0[b] += t;
      s1[b] += t * excess;
      s2[b] += t * t;
      if (vec)
        for (int j = 0; j < tangent_dim; ++j) vec[b * tangent_dim + j] += t * tangential[j];
    }
  }
  ++count;
}

// How merge_state reads the source's arrays: plainly here; the device's in-kernel fold reads other blocks'
// partials past the multiprocessor's L1, which is not coherent between blocks (cuda/fused/fold.cuh).
struct PlainRead {
  ATTNLIM_HD double operator()(const double* p) const { return *p; }
};

// dst <- dst (+) src. Associative; commutative up to rounding.
template <class Read = PlainRead>
ATTNLIM_HD void merge_state(const double* betas, int num_betas, int tangent_dim, std::uint64_t& count,
                            double& min_distance, double* s0, double* s1, double* s2, double* vec,
                            std::uint64_t src_count, double src_min, const double* src_s0, const double* src_s1,
                            const double* src_s2, const double* src_vec, Read read = Read{}) {
  if (src_count == 0) return;
  const double m = count == 0 ? src_min : (src_min < min_distance ? src_min : min_distance);
  for (int b = 0; b < num_betas; ++b) {
    BetaSums a{0.0, 0.0, 0.0};
    double fa = 0.0;
    if (count != 0) {
      a = shift_sums(BetaSums{s0[b], s1[b], s2[b]}, betas[b], min_distance, m);
      fa = std::exp(-betas[b] * (min_distance - m));
    }
    const BetaSums c = shift_sums(BetaSums{read(src_s0 + b), read(src_s1 + b), read(src_s2 + b)}, betas[b], src_min, m);
    const double fc = std::exp(-betas[b] * (src_min - m));
    s0[b] = a.s0 + c.s0;
    s1[b] = a.s1 + c.s1;
    s2[b] = a.s2 + c.s2;
    if (vec && src_vec)
      for (int j = 0; j < tangent_dim; ++j)
        vec[b * tangent_dim + j] = fa * vec[b * tangent_dim + j] + fc * read(src_vec + b * tangent_dim + j);
  }
  min_distance = m;
  count += src_count;
}

}  // namespace attnlim
