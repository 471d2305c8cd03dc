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
  double keys_per_second = 0.0;
  std::vector<TrialState> states;
  std::vector<std::vector<std::vector<double>>> values;  // values[beta][index_of(observable)][trial]

  std::vector<Observable> observables() const { return reported_observables(spec.output_vector); }
  Summary summary(int beta_index, Observable observable) const;
};

// Runs `trials` trials of every key of `spec` (betas absolute; beta_values and scale say how they were
// given) on `engine`, and aggregates. `progress` (may be empty) hears the keys done of n x trials.
SimulationResult simulate(Engine& engine, const RunSpec& spec, std::uint64_t trials, const BetaScale& scale,
                          const std::vector<double>& beta_values, const ProgressCallback& progress = {});

nlohmann::json config_json(const SimulationResult& result);
nlohmann::json to_json(const SimulationResult& result);
std::string to_csv(const SimulationResult& result);
std::string to_table(const SimulationResult& result);

}  // namespace attnlim
