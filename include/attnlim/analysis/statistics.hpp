// Host statistics over trials: mergeable moments (Chan et al.'s parallel update, so shards and
// resumed sweeps combine exactly) and empirical quantiles.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace attnlim {

struct Moments {
  std::uint64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;  // sum of squared deviations from the mean

  void add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
  }
  void merge(const Moments& o) {
    if (o.count == 0) return;
    if (count == 0) {
      *this = o;
      return;
    }
    const double total = static_cast<double>(count + o.count);
    const double delta = o.mean - mean;
    mean += delta * static_cast<double>(o.count) / total;
    m2 += o.m2 + delta * delta * static_cast<double>(count) * static_cast<double>(o.count) / total;
    count += o.count;
  }
  double variance() const { return count > 1 ? m2 / static_cast<double>(count - 1) : 0.0; }
  double sd() const { return std::sqrt(variance()); }
  double stderr_of_mean() const { return count > 0 ? sd() / std::sqrt(static_cast<double>(count)) : 0.0; }
};

// Type-7 (linear interpolation) empirical quantile of unsorted values; NaN when empty.
double quantile(std::vector<double> values, double p);

// Summary of one observable over trials.
struct Summary {
  Moments moments;
  double q05 = 0, q50 = 0, q95 = 0;
};
Summary summarize(const std::vector<double>& values);

}  // namespace attnlim
