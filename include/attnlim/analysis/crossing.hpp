// Where a curve over a log-spaced beta grid crosses a target, and its bootstrap interval over trials: the
// estimator of beta*(n). Pure functions of arrays (tested on synthetic data with known answers).
#pragma once
#include <cstdint>
#include <vector>

namespace attnlim {

// Log-beta at which `curve` (values at increasing log_betas) first crosses `target`, linearly
// interpolated in log beta; NaN when it does not cross inside the grid.
double crossing_log_beta(const std::vector<double>& log_betas, const std::vector<double>& curve, double target);

struct CrossingEstimate {
  double log_beta = 0;             // from the trial means
  double ci_low = 0, ci_high = 0;  // percentile bootstrap interval of log beta* (95%)
  double se = 0;                   // bootstrap standard deviation of log beta*
  int failed_resamples = 0;        // resamples whose mean curve did not cross
};

// per_trial[t][b]: observable of trial t at beta b. Resamples trials with replacement `resamples`
// times (deterministic in seed) and reads the crossing of each resampled mean curve.
CrossingEstimate estimate_crossing(const std::vector<double>& log_betas,
                                   const std::vector<std::vector<double>>& per_trial, double target,
                                   int resamples, std::uint64_t seed);

// The same estimate from the mean curve and its standard errors alone (no stored trials): the crossing of
// the means, and the delta method for its interval, se(log beta*) = se(mean at the crossing) / slope of the
// mean curve there (both interpolated on the bracketing segment); ci = log beta* +- 1.96 se. NaN log_beta
// (and interval) when the means do not cross.
CrossingEstimate delta_crossing(const std::vector<double>& log_betas, const std::vector<double>& means,
                                const std::vector<double>& stderrs, double target);

}  // namespace attnlim
