// Estimating the critical inverse temperature beta*(n) from simulation and fitting its exponent.
// The estimators are pure functions of arrays (tested on synthetic data with known answers); the
// drivers run the simulator (pilot pass on a wide grid, then a fine grid around the pilot's crossing).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/config.hpp"
#include "attnlim/simulate.hpp"

namespace attnlim {

// Log-beta at which `curve` (values at increasing log_betas) first crosses `target`, linearly
// interpolated in log beta; NaN when it does not cross inside the grid.
double crossing_log_beta(const std::vector<double>& log_betas, const std::vector<double>& curve, double target);

struct CrossingEstimate {
  double log_beta = 0;          // from the trial means
  double ci_low = 0, ci_high = 0;  // percentile bootstrap interval of log beta* (95%)
  double se = 0;                // bootstrap standard deviation of log beta*
  int failed_resamples = 0;     // resamples whose mean curve did not cross
};

// per_trial[t][b]: observable of trial t at beta b. Resamples trials with replacement `resamples`
// times (deterministic in seed) and reads the crossing of each resampled mean curve.
CrossingEstimate estimate_crossing(const std::vector<double>& log_betas,
                                   const std::vector<std::vector<double>>& per_trial, double target,
                                   int resamples, std::uint64_t seed);

// Weighted least squares y = intercept + slope x with known standard errors of y. Intervals use
// Student's t with N-2 degrees of freedom and the standard errors scaled by sqrt(chi2/dof) when
// the scatter exceeds the stated errors (never scaled down).
struct LinearFit {
  double slope = 0, intercept = 0;
  double slope_se = 0, intercept_se = 0;
  double slope_ci_low = 0, slope_ci_high = 0;
  double intercept_ci_low = 0, intercept_ci_high = 0;
  double chi2 = 0;
  int dof = 0;
  double scale = 1;  // factor applied to the standard errors
};
LinearFit weighted_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& se);

struct CriticalConfig {
  int d = 3;
  std::uint64_t n_min = 1000, n_max = 1000000;
  int n_points = 7;
  std::uint64_t trials = 400;
  std::string observable = "ipr";
  double target = 0.5;
  int grid_points = 32;       // betas in the fine pass (<= kMaxBetas)
  double grid_half_width = 1.4;  // fine grid: pilot estimate times e^{+-half width}
  int resamples = 400;         // bootstrap resamples
  std::uint64_t seed = 1;
  int top_k = 1;
  int threads = 0;
  SamplerTier sampler = SamplerTier::projected;
  BackendChoice backend = BackendChoice::automatic;
};
constexpr std::uint64_t kMaxCriticalTrials = std::uint64_t{1} << 31;  // the pilot uses trial numbers 2^31 on
constexpr int kMaxResamples = 1000000;
// Throws InputError naming the flag, also when n_min < smallest_crossing_n (no beta* can exist there).
void validate(const CriticalConfig& config);

// The smallest n at which the mean observable can cross `target`: at beta = 0 every weight is 1/n,
// where ipr and w_max take their minimum 1/n and entropy its maximum log n, so a crossing needs
// 1/n < target (ipr, w_max) or target < log n (entropy). 0 when no n <= kMaxKeys qualifies.
std::uint64_t smallest_crossing_n(const std::string& observable, double target);

// The n values: n_points log-spaced integers from n_min to n_max (distinct, ascending).
std::vector<std::uint64_t> log_spaced_n(std::uint64_t n_min, std::uint64_t n_max, int points);

// Seed of one (d, n) point of a sweep or critical run: independent streams per point, reproducible.
std::uint64_t point_seed(std::uint64_t seed, int d, std::uint64_t n);

struct CriticalPoint {
  std::uint64_t n = 0;
  double beta_star = 0, ci_low = 0, ci_high = 0, se_log = 0;
  double predicted_beta_star = 0;  // lambda* (n c_d)^{2/(d-1)}
  double gaussian_scale = 0;       // sqrt(2 d log n)
  // Random-energy-model prediction for ipr: in the frozen phase E[ipr] = 1 - beta_c/beta (Derrida), so
  // beta* = sqrt(2 d log n) / (1 - target). NaN for other observables.
  double rem_beta_star = 0;
  double mean_e_min = 0;
  double local_law_error = 0;      // |P(E <= s) / (c_d s^a) - 1| at s = mean E_(1): is n in the local regime?
  std::vector<double> betas, mean_curve, curve_stderr;
};

struct CriticalResult {
  CriticalConfig config;
  std::string backend, device;
  double seconds = 0, keys = 0;
  double lambda_star = 0;          // theory: limit observable equals target
  double lambda_star_stderr = 0;   // nonzero for w_max (from the critical-law sampler)
  double predicted_exponent = 0;   // 2/(d-1)
  double predicted_prefactor = 0;  // lambda* c_d^{2/(d-1)}
  std::vector<CriticalPoint> points;
  LinearFit fit;                   // log beta* = intercept + slope log n
  // Prefactor with the exponent held at 2/(d-1): weighted mean of log(beta* / n^{2/(d-1)}), the
  // sharper test of lambda* c_d^{2/(d-1)} (the free fit's intercept is an extrapolation to n = 1).
  double fixed_prefactor = 0, fixed_prefactor_ci_low = 0, fixed_prefactor_ci_high = 0;
  LinearFit gaussian_fit;          // log beta* = intercept + slope log sqrt(2 d log n)
  std::vector<nlohmann::json> local_slopes;
  std::string regime;              // "local" (asymptotic law applies) or "pre-asymptotic"
  std::string regime_reason;
};

// `progress` (may be empty) is called after each n with a one-line message.
CriticalResult run_critical(const CriticalConfig& config, const std::function<void(const std::string&)>& progress);

nlohmann::json to_json(const CriticalResult& result);
std::string to_table(const CriticalResult& result);

}  // namespace attnlim
