#include "attnlim/drivers/grid.hpp"

#include <algorithm>
#include <cmath>

namespace attnlim {

std::vector<std::uint64_t> log_spaced_n(std::uint64_t n_min, std::uint64_t n_max, int points) {
  std::vector<std::uint64_t> ns;
  const double lo = std::log(static_cast<double>(n_min)), hi = std::log(static_cast<double>(n_max));
  for (int i = 0; i < points; ++i) {
    const double x = points == 1 ? lo : lo + (hi - lo) * i / (points - 1);
    // The ends exactly (exp(log n) is off by thousands near 2^63); no llround: n reaches 2^63.
    const double rounded = std::round(std::exp(x));
    std::uint64_t n = i == 0 ? n_min
                      : i == points - 1 || rounded >= static_cast<double>(n_max) ? n_max
                                                                                 : static_cast<std::uint64_t>(rounded);
    n = std::clamp(n, n_min, n_max);
    if (!ns.empty() && n <= ns.back()) n = ns.back() + 1;
    ns.push_back(n);
  }
  return ns;
}

std::uint64_t point_seed(std::uint64_t seed, int d, std::uint64_t n) {
  // splitmix64 of the seed mixed with the point: distinct points get unrelated Philox keys.
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  return mix(mix(seed) ^ mix(static_cast<std::uint64_t>(d) * 0x100000001b3ULL) ^ mix(n + 0x5bd1e995ULL));
}

}  // namespace attnlim
