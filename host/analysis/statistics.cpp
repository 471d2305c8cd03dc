#include "attnlim/analysis/statistics.hpp"

#include <algorithm>
#include <limits>

namespace attnlim {

double quantile(std::vector<double> values, double p) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double pos = p * static_cast<double>(values.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

Summary summarize(const std::vector<double>& values) {
  Summary s;
  for (double v : values) s.moments.add(v);
  s.q05 = quantile(values, 0.05);
  s.q50 = quantile(values, 0.50);
  s.q95 = quantile(values, 0.95);
  return s;
}

}  // namespace attnlim
