// The query frame (THEORY.md section 1): q = e_1, a key decomposed as g = (g_1, g_perp) before
// normalisation. Its distance E = 1 - <q, K> is formed without cancellation:
//   E = C / (R (R + g_1))  if g_1 > 0,   E = 1 + |g_1| / R  otherwise,   R = |g|, C = |g_perp|^2,
// so E keeps full relative precision near the query (about n^{-2/(d-1)}), where 1 - g_1/R loses every digit.
#pragma once
#include <cmath>

#include "attnlim/core/common.hpp"

namespace attnlim {

// Cancellation-free distance from the query-frame decomposition (g_1, C = |g_perp|^2).
ATTNLIM_HD double distance_from_parts(double g1, double perp_sq) {
  const double radius = std::sqrt(g1 * g1 + perp_sq);
  return g1 > 0.0 ? perp_sq / (radius * (radius + g1)) : 1.0 + (-g1) / radius;
}

}  // namespace attnlim
