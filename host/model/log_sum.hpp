// Sums in log space that the key models' host hooks share (mixtures, distance laws). Private to host/model.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

namespace attnlim::detail {

// log sum_j e^{terms_j}; the largest term as it is where it is not finite (-inf: every term is 0).
inline double log_sum_exp(const std::vector<double>& terms) {
  const double top = *std::max_element(terms.begin(), terms.end());
  if (!std::isfinite(top)) return top;
  double sum = 0.0;
  for (double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

// log sum_j w_j e^{log_values_j}: a mixture's law from its components' (weights > 0).
inline double log_weighted_sum(const std::vector<double>& weights, const std::vector<double>& log_values) {
  std::vector<double> terms(log_values.size());
  for (std::size_t j = 0; j < terms.size(); ++j) terms[j] = std::log(weights[j]) + log_values[j];
  return log_sum_exp(terms);
}

}  // namespace attnlim::detail
