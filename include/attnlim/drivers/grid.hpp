// Grids of n and the seeds of their points, shared by sweep, critical and verify.
#pragma once
#include <cstdint>
#include <vector>

namespace attnlim {

constexpr int kMaxGridPoints = 10000;  // --n-points

// The n values: `points` log-spaced integers from n_min to n_max (distinct, ascending, both ends exact).
std::vector<std::uint64_t> log_spaced_n(std::uint64_t n_min, std::uint64_t n_max, int points);

// Seed of one (d, n) point of a sweep or critical run: independent streams per point, reproducible.
std::uint64_t point_seed(std::uint64_t seed, int d, std::uint64_t n);

}  // namespace attnlim
