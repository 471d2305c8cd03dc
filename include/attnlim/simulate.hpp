// The simulate driver: resolve the beta grid, run a backend, turn per-trial states into observables,
// aggregate over trials, and format the table / CSV / JSON.
#pragma once
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/config.hpp"
#include "attnlim/state.hpp"
#include "attnlim/statistics.hpp"

namespace attnlim {

enum class BackendChoice { automatic, cpu, cuda };
BackendChoice parse_backend(const std::string& name);  // throws InputError naming --backend

// How --beta values are read: abs (beta itself), critical (lambda in lambda (n c_d)^{2/(d-1)}),
// power:A (lambda in lambda n^A), log (gamma in gamma log n).
struct BetaScale {
  enum Kind { absolute, critical, power, log } kind = absolute;
  double alpha = 0.0;  // exponent of power:A
  std::string name() const;
};
BetaScale parse_beta_scale(const std::string& text);  // throws InputError naming --beta-scale
double absolute_beta(const BetaScale& scale, double value, int d, double n);

// Observables of one trial at one beta.
enum Observable : int { e_min, w_max, ipr, n_eff, entropy, bias, log_z, o_radial, o_tangential, kNumObservables };
extern const std::array<const char*, kNumObservables> kObservableNames;
int observable_from_name(const std::string& name);  // -1 if unknown
std::array<double, kNumObservables> trial_observables(const TrialState& state, int beta_index, double beta);
// Weight of the j-th nearest kept key at beta: e^{-beta (E_j - m)} / s0.
double top_weight(const TrialState& state, int beta_index, double beta, int j);

struct SimulationResult {
  SimConfig config;
  BetaScale scale;
  std::vector<double> beta_values;  // as given on the command line (lambda, gamma, ...)
  std::string backend;              // "cpu" or "cuda"
  std::string device;               // CPU thread count or GPU name
  double seconds = 0.0;
  double keys_per_second = 0.0;
  std::vector<TrialState> trials;
  // values[beta][observable][trial]
  std::vector<std::vector<std::vector<double>>> values;

  int num_observables() const { return config.output_vector ? kNumObservables : o_radial; }
  Summary summary(int beta_index, int observable) const;
};

// Picks the backend (auto: CUDA when a device is present), runs, aggregates; the result names the
// backend and device that ran.
SimulationResult simulate(const SimConfig& config, BackendChoice backend, const BetaScale& scale,
                          const std::vector<double>& beta_values);

// Runs one backend on a resolved config (betas absolute) and returns the per-trial states.
std::vector<TrialState> run_backend(const SimConfig& config, BackendChoice backend, std::string* used,
                                    std::string* device);

nlohmann::json config_json(const SimConfig& config, const BetaScale& scale, const std::vector<double>& beta_values);
nlohmann::json to_json(const SimulationResult& result);
std::string to_csv(const SimulationResult& result);
std::string to_table(const SimulationResult& result);

}  // namespace attnlim
