// An independent route to the distance of a key near the query, for tests.
#pragma once
#include <cmath>

namespace attnlim_test {

// E = 1 - cos(theta) = 2 sin^2(theta/2) in long double: no cancellation near the query.
inline long double reference_distance(long double g1, long double perp_sq) {
  const long double theta = std::atan2(std::sqrt(perp_sq), g1);
  const long double s = std::sin(theta / 2);
  return 2 * s * s;
}

}  // namespace attnlim_test
