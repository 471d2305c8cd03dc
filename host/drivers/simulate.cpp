#include "attnlim/drivers/simulate.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/core.h>

namespace attnlim {

Summary SimulationResult::summary(int beta_index, Observable observable) const {
  return summarize(values[beta_index][index_of(observable)]);
}

SimulationResult simulate(Engine& engine, const RunSpec& spec, std::uint64_t trials, const BetaScale& scale,
                          const std::vector<double>& beta_values, const ProgressCallback& progress) {
  SimulationResult r;
  r.spec = spec;
  r.trials = trials;
  r.options = engine.options();
  r.scale = scale;
  r.beta_values = beta_values;
  r.backend = engine.name();
  r.device = engine.device();
  const auto start = std::chrono::steady_clock::now();
  const bool per_trial = std::string(engine.work_unit()) == "trials";
  r.sampler = per_trial ? "order" : sampler_name(spec.tier);
  const double total = per_trial ? static_cast<double>(trials) : spec.n.value() * static_cast<double>(trials);
  const std::string what = fmt::format("simulate d={} n={} ({} trials, {})", spec.d(), spec.n.text(), trials, r.backend);
  KeysDone keys_done;
  if (progress) keys_done = [&](double done) { progress(ProgressUpdate{what, done, total, engine.work_unit()}); };
  r.states = engine.run(spec, WorkRange::all_keys(spec, trials), keys_done);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.keys_per_second = spec.n.value() * static_cast<double>(trials) / std::max(r.seconds, 1e-9);
  r.trials_per_second = static_cast<double>(trials) / std::max(r.seconds, 1e-9);
  r.log_distance_scale = r.states.empty() ? 0.0 : r.states.front().log_distance_scale;
  r.log_rescale = log_rescale(spec);
  r.state_betas = state_betas(spec, r.log_distance_scale);
  const int nb = static_cast<int>(spec.betas.size());
  r.values.assign(nb, std::vector<std::vector<double>>(kNumObservables, std::vector<double>(r.states.size())));
  for (std::size_t t = 0; t < r.states.size(); ++t)
    for (int b = 0; b < nb; ++b) {
      const auto o = trial_observables(r.states[t], b, r.state_betas[b], r.log_rescale);
      for (int k = 0; k < kNumObservables; ++k) r.values[b][k][t] = o[k];
    }
  return r;
}

}  // namespace attnlim
