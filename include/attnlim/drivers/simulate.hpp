// The simulate driver: run an engine on a resolved spec, turn per-trial states into observables, aggregate
// over trials; and the result's table / CSV / JSON (host/drivers/simulate_format.cpp).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/analysis/statistics.hpp"
#include "attnlim/drivers/beta_scale.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/io/progress.hpp"
#include "attnlim/state/observables.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim {

struct SimulationResult {
  RunSpec spec;                     // betas absolute
  std::uint64_t trials = 0;         // trial numbers 0 .. trials - 1
  EngineOptions options;            // of the engine that ran
  BetaScale scale;
  std::vector<double> beta_values;  // as given (lambda, gamma, ...)
  std::string backend;              // the engine's name: "cpu" or "cuda"
  std::string device;               // its device: CPU thread count or GPU name
  double seconds = 0.0;
  double keys_per_second = 0.0;    // n x trials / seconds (beyond a double for the order sampler at huge n)
  double trials_per_second = 0.0;
  std::string sampler;              // "full", "projected", or "order" (the order-statistics engine)
  // The states' distance unit (TrialState::log_distance_scale: 0, or log S for the order sampler), log S of the
  // key model's local law (S = (n c)^{1/a'}), and the betas in the states' units.
  double log_distance_scale = 0.0, log_rescale = 0.0;
  std::vector<double> state_betas;
  std::vector<TrialState> states;
  // values[beta][index_of(observable)][trial], scaled: the observable is value e^{log_unit(observable)}.
  std::vector<std::vector<std::vector<double>>> values;
  double log_unit(Observable o) const { return observable_log_unit(o, log_distance_scale); }

  std::vector<Observable> observables() const { return reported_observables(spec.output_vector); }
  Summary summary(int beta_index, Observable observable) const;
};

// Runs `trials` trials of every key of `spec` (betas absolute; beta_values and scale say how they were
// given) on `engine`, and aggregates. `progress` (may be empty) hears the keys done of n x trials.
SimulationResult simulate(Engine& engine, const RunSpec& spec, std::uint64_t trials, const BetaScale& scale,
                          const std::vector<double>& beta_values, const ProgressCallback& progress = {});

nlohmann::json config_json(const SimulationResult& result);
// Writes value e^{log_unit} into obj[key]: the value where a double holds it, else null with obj["log_" + key].
void put_scaled(nlohmann::json& obj, const std::string& key, double value, double log_unit);
nlohmann::json to_json(const SimulationResult& result);
std::string to_csv(const SimulationResult& result);
std::string to_table(const SimulationResult& result);

}  // namespace attnlim
