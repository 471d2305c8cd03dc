// The critical-beta estimator and the exponent fit on synthetic data with known answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "attnlim/analysis/crossing.hpp"
#include "attnlim/analysis/fit.hpp"
#include "attnlim/analysis/statistics.hpp"

using namespace attnlim;

TEST(CriticalEstimator, CrossingOfAKnownCurveIsExact) {
  std::vector<double> x, y;
  for (int i = 0; i < 11; ++i) {
    x.push_back(0.1 * i);
    y.push_back(2.0 * x.back() - 0.3);  // crosses 0.5 at x = 0.4 exactly, 0.7 at 0.5
  }
  EXPECT_NEAR(crossing_log_beta(x, y, 0.5), 0.4, 1e-12);
  EXPECT_NEAR(crossing_log_beta(x, y, 0.8), 0.55, 1e-12);
  EXPECT_TRUE(std::isnan(crossing_log_beta(x, y, 5.0)));
}

// Per-trial values whose mean is a logistic curve in log beta crossing 0.5 at mu; the bootstrap
// interval must cover mu and the standard error must match the spread across replications.
TEST(CriticalEstimator, BootstrapCrossingCoversTheTruth) {
  const double mu = 2.3;
  std::vector<double> grid;
  for (int i = 0; i < 32; ++i) grid.push_back(mu - 1.5 + 3.0 * i / 31);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.2);
  int covered = 0;
  Moments estimates, ses;
  const int reps = 60;
  for (int rep = 0; rep < reps; ++rep) {
    std::vector<std::vector<double>> per_trial(300, std::vector<double>(grid.size()));
    for (auto& row : per_trial) {
      const double shift = noise(rng);  // one random shift per trial: values correlated across beta
      for (std::size_t b = 0; b < grid.size(); ++b) row[b] = 1.0 / (1.0 + std::exp(-(grid[b] - mu))) + shift;
    }
    const CrossingEstimate e = estimate_crossing(grid, per_trial, 0.5, 200, 100 + rep);
    covered += e.ci_low <= mu && mu <= e.ci_high;
    estimates.add(e.log_beta);
    ses.add(e.se);
  }
  // 95% intervals: at least 50 of 60 cover (binomial probability of fewer is < 1e-3).
  EXPECT_GE(covered, 50);
  EXPECT_NEAR(estimates.mean, mu, 4 * estimates.stderr_of_mean());
  // The bootstrap standard error estimates the true spread of the estimator within 30%.
  EXPECT_NEAR(ses.mean / estimates.sd(), 1.0, 0.3);
}

TEST(CriticalFit, RecoversAKnownSlopeWithHonestIntervals) {
  std::vector<double> x = {6.9, 8.0, 9.2, 10.4, 11.5, 12.7, 13.8};
  std::vector<double> exact;
  for (double v : x) exact.push_back(-0.48 + 0.4 * v);
  const LinearFit f0 = weighted_fit(x, exact, std::vector<double>(x.size(), 0.01));
  EXPECT_NEAR(f0.slope, 0.4, 1e-12);
  EXPECT_NEAR(f0.intercept, -0.48, 1e-11);
  EXPECT_NEAR(f0.chi2, 0.0, 1e-12);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  int covered = 0;
  const int reps = 400;
  for (int rep = 0; rep < reps; ++rep) {
    std::vector<double> y, se;
    for (std::size_t i = 0; i < x.size(); ++i) {
      se.push_back(0.02 + 0.01 * i);
      y.push_back(exact[i] + se.back() * normal(rng));
    }
    const LinearFit f = weighted_fit(x, y, se);
    covered += f.slope_ci_low <= 0.4 && 0.4 <= f.slope_ci_high;
  }
  // Nominal 95% (a little more, since errors are only ever scaled up): between 90% and 99.5%.
  EXPECT_GE(covered, 360);
  EXPECT_LE(covered, 398);
}
