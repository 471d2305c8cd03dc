// The critical driver: beta*(n), where the trial mean of an observable crosses a target, for a grid of n
// (a pilot pass on a wide grid, then a fine grid around the pilot's crossing), and the fit of its
// exponent against the key model's local law; the result's JSON and table (critical_format.cpp).
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/analysis/crossing.hpp"
#include "attnlim/analysis/fit.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/io/progress.hpp"
#include "attnlim/keys/tiers.hpp"

namespace attnlim {

struct CriticalConfig {
  int d = 3;
  std::string keys = "uniform";  // --keys SPEC
  std::uint64_t n_min = 1000, n_max = 1000000;
  int n_points = 7;
  std::uint64_t trials = 400;
  std::string observable = "ipr";
  double target = 0.5;
  int grid_points = 32;          // betas in the fine pass (<= kMaxBetas)
  double grid_half_width = 1.4;  // fine grid: pilot estimate times e^{+-half width}
  int resamples = 400;           // bootstrap resamples
  std::uint64_t seed = 1;
  int top_k = 1;
  SamplerTier sampler = SamplerTier::projected;
  // --sampler order: the order-statistics engine, and the n range as log n (any n >= 2, e.g. 1e300); the
  // points are log-spaced in log n, exact counts where n is below 2^53.
  bool order = false;
  double log_n_min = 0.0, log_n_max = 0.0;
};
constexpr std::uint64_t kMaxCriticalTrials = std::uint64_t{1} << 31;  // the pilot uses trial numbers 2^31 on
constexpr int kMaxResamples = 1000000;
// Throws InputError naming the field, also when n_min < smallest_crossing_n (no beta* can exist there).
void validate(const CriticalConfig& config);

// The smallest n at which the mean observable can cross `target`: at beta = 0 every weight is 1/n,
// where ipr and w_max take their minimum 1/n and entropy its maximum log n, so a crossing needs
// 1/n < target (ipr, w_max) or target < log n (entropy). 0 when no n <= kMaxKeys qualifies.
std::uint64_t smallest_crossing_n(const std::string& observable, double target);

// The n of a run's points: log_spaced_n for the per-key engines; log-spaced in log n for the order sampler.
std::vector<KeyCount> critical_ns(const CriticalConfig& config);

struct CriticalPoint {
  std::uint64_t n = 0;  // 0 where n is held as log n
  double log_n = 0;
  double log_beta_star = 0, log_mean_e_min = std::numeric_limits<double>::quiet_NaN();
  double log_ci_low = 0, log_ci_high = 0, log_predicted_beta_star = 0;  // (beta* beyond a double at huge n)
  double beta_star = 0, ci_low = 0, ci_high = 0, se_log = 0;
  double predicted_beta_star = 0;  // lambda* (n c)^{1/a'}
  double gaussian_scale = 0;       // sqrt(2 d log n)
  // Random-energy-model prediction for ipr: in the frozen phase E[ipr] = 1 - beta_c/beta (Derrida), so
  // beta* = sqrt(2 d log n) / (1 - target). NaN for other observables.
  double rem_beta_star = 0;
  double mean_e_min = 0;
  double local_law_error = 0;  // |P(E <= s) / (c s^a') - 1| at s = mean E_(1): is n in the local regime?
  std::vector<double> betas, mean_curve, curve_stderr;
};

struct CriticalResult {
  CriticalConfig config;
  std::string keys;  // the model's canonical SPEC
  std::string backend, device;
  double seconds = 0, keys_run = 0;
  double lambda_star = 0;          // theory: limit observable equals target
  double lambda_star_stderr = 0;   // nonzero for w_max (from the critical-law sampler)
  double predicted_exponent = 0;   // 1/a' (2/(d-1) for uniform keys)
  double predicted_prefactor = 0;  // lambda* c^{1/a'}
  std::vector<CriticalPoint> points;
  LinearFit fit;                   // log beta* = intercept + slope log n
  // Prefactor with the exponent held at its prediction: weighted mean of log(beta* / n^{1/a'}), the
  // sharper test of lambda* c^{1/a'} (the free fit's intercept is an extrapolation to n = 1).
  double fixed_prefactor = 0, fixed_prefactor_ci_low = 0, fixed_prefactor_ci_high = 0;
  LinearFit gaussian_fit;          // log beta* = intercept + slope log sqrt(2 d log n)
  std::vector<nlohmann::json> local_slopes;
  std::string regime;              // "local" (asymptotic law applies) or "pre-asymptotic"
  std::string regime_reason;
  // The crossover to the local law: log n from which on every measured beta*(n) is within 5% of the local
  // law's prediction (NaN if no point is), and log n at which P(E <= s) is within 5% of c s^{a'} at the
  // expected nearest distance (theory; NaN where the key model has no distance law in closed form).
  double log_n_local_measured = 0, log_n_local_theory = 0;
  // The exponent fitted over the points at n >= the theory's crossover only (local_points of them; the fit is
  // meaningful from 3 on): the exponent measured in the local regime.
  LinearFit local_fit;
  int local_points = 0;
};

// The keys a run is planned to draw (pilot and fine pass at every n; retries on a wider grid add to it).
double planned_keys(const CriticalConfig& config);

// `progress` (may be empty) hears the keys done of planned_keys(config) (the total grows if a pass is retried).
CriticalResult run_critical(Engine& engine, const CriticalConfig& config, const ProgressCallback& progress = {});

// The parts of a critical run that analyze (offline, from stored sweep points) shares, so both report alike:
// lambda*, the predicted exponent and prefactor for result.config's observable and target;
void predict_critical(CriticalResult& result, const AnyKeyModel& model);
// a point's predictions from its log_n (and its local-law error from log_mean_e_min, where finite);
void predict_point(const CriticalResult& result, const AnyKeyModel& model, CriticalPoint& point);
// a point's beta* and interval from a crossing estimate (log beta*, its interval and standard error);
void set_crossing(CriticalPoint& point, const CrossingEstimate& estimate);
// and everything computed from the points: the fits, local slopes, crossover, local fit and regime.
void fit_critical(CriticalResult& result, const AnyKeyModel& model);

nlohmann::json to_json(const CriticalResult& result);
std::string to_table(const CriticalResult& result);

}  // namespace attnlim
