// Kolmogorov-Smirnov helpers shared by the tests that compare laws (sampler tiers, key models).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

namespace attnlim_test {

// Two-sample Kolmogorov-Smirnov statistic D = sup_x |F_a(x) - F_b(x)|.
inline double ks_statistic(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double d = 0.0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  return d;
}

// Critical value of the two-sample KS test at level alpha (Smirnov's limit law, as in every textbook):
//   reject when D > c(alpha) sqrt((m + n) / (m n)),  c(alpha) = sqrt(-ln(alpha / 2) / 2).
// alpha = 1e-3: c = sqrt(-ln(5e-4) / 2) = sqrt(7.6009 / 2) = 1.9495. One sample (n -> infinity): c / sqrt(m).
inline double ks_critical(double alpha, double m, double n) {
  return std::sqrt(-std::log(alpha / 2.0) / 2.0) * std::sqrt((m + n) / (m * n));
}

}  // namespace attnlim_test
