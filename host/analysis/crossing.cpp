#include "attnlim/analysis/crossing.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "attnlim/analysis/statistics.hpp"

namespace attnlim {

double crossing_log_beta(const std::vector<double>& log_betas, const std::vector<double>& curve, double target) {
  for (std::size_t b = 0; b + 1 < curve.size(); ++b) {
    const double lo = curve[b] - target, hi = curve[b + 1] - target;
    if (lo == 0.0) return log_betas[b];
    if ((lo < 0.0) != (hi < 0.0) || hi == 0.0) {
      const double t = lo / (lo - hi);
      return log_betas[b] + t * (log_betas[b + 1] - log_betas[b]);
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

static std::vector<double> mean_curve(const std::vector<std::vector<double>>& per_trial,
                                      const std::vector<std::size_t>& rows) {
  std::vector<double> mean(per_trial.front().size(), 0.0);
  for (std::size_t r : rows)
    for (std::size_t b = 0; b < mean.size(); ++b) mean[b] += per_trial[r][b];
  for (double& m : mean) m /= static_cast<double>(rows.size());
  return mean;
}

CrossingEstimate estimate_crossing(const std::vector<double>& log_betas,
                                   const std::vector<std::vector<double>>& per_trial, double target,
                                   int resamples, std::uint64_t seed) {
  CrossingEstimate est;
  const std::size_t trials = per_trial.size();
  std::vector<std::size_t> rows(trials);
  std::iota(rows.begin(), rows.end(), 0);
  est.log_beta = crossing_log_beta(log_betas, mean_curve(per_trial, rows), target);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, trials - 1);
  std::vector<double> boot;
  for (int r = 0; r < resamples; ++r) {
    for (auto& row : rows) row = pick(rng);
    const double x = crossing_log_beta(log_betas, mean_curve(per_trial, rows), target);
    if (std::isnan(x))
      ++est.failed_resamples;
    else
      boot.push_back(x);
  }
  if (boot.size() >= 2) {
    Moments m;
    for (double x : boot) m.add(x);
    est.se = m.sd();
    est.ci_low = quantile(boot, 0.025);
    est.ci_high = quantile(boot, 0.975);
  } else {
    est.se = est.ci_low = est.ci_high = std::numeric_limits<double>::quiet_NaN();
  }
  return est;
}

CrossingEstimate delta_crossing(const std::vector<double>& log_betas, const std::vector<double>& means,
                                const std::vector<double>& stderrs, double target) {
  CrossingEstimate est;
  est.log_beta = crossing_log_beta(log_betas, means, target);
  est.ci_low = est.ci_high = est.se = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(est.log_beta)) return est;
  // The segment that brackets the target (the one crossing_log_beta interpolated on, not a neighbour that
  // merely touches the crossing at its end).
  for (std::size_t b = 0; b + 1 < means.size(); ++b) {
    const double lo = means[b] - target, hi = means[b + 1] - target;
    if (!(lo == 0.0 || (lo < 0.0) != (hi < 0.0) || hi == 0.0)) continue;
    const double width = log_betas[b + 1] - log_betas[b];
    const double slope = (means[b + 1] - means[b]) / width;
    const double t = width > 0 ? (est.log_beta - log_betas[b]) / width : 0.0;
    const double se_mean = (1 - t) * stderrs[b] + t * stderrs[b + 1];
    est.se = std::abs(se_mean / slope);
    break;
  }
  est.ci_low = est.log_beta - 1.96 * est.se;
  est.ci_high = est.log_beta + 1.96 * est.se;
  return est;
}

}  // namespace attnlim
