#include "attnlim/simulate.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/backend_cpu.hpp"
#include "attnlim/cuda_backend.hpp"
#include "attnlim/errors.hpp"
#include "attnlim/theory.hpp"

namespace attnlim {

const std::array<const char*, kNumObservables> kObservableNames = {
    "e_min", "w_max", "ipr", "n_eff", "entropy", "bias", "log_z", "o_radial", "o_tangential"};

int observable_from_name(const std::string& name) {
  for (int i = 0; i < kNumObservables; ++i)
    if (name == kObservableNames[i]) return i;
  return -1;
}

BackendChoice parse_backend(const std::string& name) {
  if (name == "auto") return BackendChoice::automatic;
  if (name == "cpu") return BackendChoice::cpu;
  if (name == "cuda") return BackendChoice::cuda;
  throw InputError("--backend: unknown backend '" + name + "' (expected auto, cpu or cuda)");
}

std::string BetaScale::name() const {
  switch (kind) {
    case absolute: return "abs";
    case critical: return "critical";
    case power: return fmt::format("power:{}", alpha);
    case log: return "log";
  }
  return "abs";
}

BetaScale parse_beta_scale(const std::string& text) {
  BetaScale s;
  if (text == "abs") return s;
  if (text == "critical") {
    s.kind = BetaScale::critical;
    return s;
  }
  if (text == "log") {
    s.kind = BetaScale::log;
    return s;
  }
  if (text.rfind("power:", 0) == 0) {
    const std::string number = text.substr(6);
    std::size_t used = 0;
    double alpha = 0;
    try {
      alpha = std::stod(number, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != number.size() || !std::isfinite(alpha))
      throw InputError("--beta-scale: power:ALPHA needs a finite number after 'power:' (got '" + text + "')");
    s.kind = BetaScale::power;
    s.alpha = alpha;
    return s;
  }
  throw InputError("--beta-scale: unknown scale '" + text + "' (expected abs, critical, power:ALPHA or log)");
}

double absolute_beta(const BetaScale& scale, double value, int d, double n) {
  switch (scale.kind) {
    case BetaScale::absolute: return value;
    case BetaScale::critical: return value * theory::critical_scale(d, n);
    case BetaScale::power: return value * std::pow(n, scale.alpha);
    case BetaScale::log: return value * std::log(n);
  }
  return value;
}

std::array<double, kNumObservables> trial_observables(const TrialState& st, int b, double beta) {
  std::array<double, kNumObservables> o{};
  const double s0 = st.s0[b], s1 = st.s1[b], s2 = st.s2[b];
  o[e_min] = st.min_distance;
  o[w_max] = 1.0 / s0;
  o[ipr] = s2 / (s0 * s0);
  o[n_eff] = s0 * s0 / s2;
  o[entropy] = std::log(s0) + beta * s1 / s0;
  o[bias] = st.min_distance + s1 / s0;
  o[log_z] = beta * (1.0 - st.min_distance) + std::log(s0);
  o[o_radial] = 1.0 - o[bias];
  double norm_sq = 0.0;
  for (int j = 0; j < st.tangent_dim; ++j) {
    const double v = st.vec[static_cast<std::size_t>(b) * st.tangent_dim + j];
    norm_sq += v * v;
  }
  o[o_tangential] = std::sqrt(norm_sq) / s0;
  return o;
}

double top_weight(const TrialState& st, int b, double beta, int j) {
  return std::exp(-beta * (st.top_distance[j] - st.min_distance)) / st.s0[b];
}

Summary SimulationResult::summary(int beta_index, int observable) const {
  return summarize(values[beta_index][observable]);
}

std::vector<TrialState> run_backend(const SimConfig& config, BackendChoice backend, std::string* used,
                                    std::string* device) {
  std::string why;
  const bool gpu = cuda::available(&why);
  if (backend == BackendChoice::cuda && !gpu) throw InputError("--backend: cuda requested but " + why);
  if (backend == BackendChoice::cuda || (backend == BackendChoice::automatic && gpu)) {
    if (used) *used = "cuda";
    if (device) *device = cuda::device_name();
    return cuda::run_trials(config);
  }
  if (used) *used = "cpu";
  if (device)
    *device = fmt::format("{} OpenMP threads", config.threads > 0 ? config.threads : omp_get_max_threads());
  return cpu::run_trials(config);
}

SimulationResult simulate(const SimConfig& config, BackendChoice backend, const BetaScale& scale,
                          const std::vector<double>& beta_values) {
  validate(config);
  SimulationResult r;
  r.config = config;
  r.scale = scale;
  r.beta_values = beta_values;
  const auto start = std::chrono::steady_clock::now();
  r.trials = run_backend(config, backend, &r.backend, &r.device);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.keys_per_second =
      static_cast<double>(config.n) * static_cast<double>(config.trials) / std::max(r.seconds, 1e-9);
  const int nb = static_cast<int>(config.betas.size());
  r.values.assign(nb, std::vector<std::vector<double>>(kNumObservables, std::vector<double>(r.trials.size())));
  for (std::size_t t = 0; t < r.trials.size(); ++t)
    for (int b = 0; b < nb; ++b) {
      const auto o = trial_observables(r.trials[t], b, config.betas[b]);
      for (int k = 0; k < kNumObservables; ++k) r.values[b][k][t] = o[k];
    }
  return r;
}

nlohmann::json config_json(const SimConfig& c, const BetaScale& scale, const std::vector<double>& beta_values) {
  return {{"d", c.d},
          {"n", c.n},
          {"trials", c.trials},
          {"first_trial", c.first_trial},
          {"beta_scale", scale.name()},
          {"beta_values", beta_values},
          {"betas", c.betas},
          {"top_k", c.top_k},
          {"seed", c.seed},
          {"sampler", sampler_name(c.sampler)},
          {"output_vector", c.output_vector},
          {"threads", c.threads},
          {"chunk_keys", c.chunk_keys}};
}

nlohmann::json to_json(const SimulationResult& r) {
  nlohmann::json j;
  j["config"] = config_json(r.config, r.scale, r.beta_values);
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["seconds"] = r.seconds;
  j["keys_per_second"] = r.keys_per_second;
  j["results"] = nlohmann::json::array();
  for (std::size_t b = 0; b < r.config.betas.size(); ++b) {
    nlohmann::json entry;
    entry["beta"] = r.config.betas[b];
    entry["beta_value"] = r.beta_values[b];
    nlohmann::json obs;
    for (int k = 0; k < r.num_observables(); ++k) {
      const Summary s = r.summary(static_cast<int>(b), k);
      obs[kObservableNames[k]] = {{"mean", s.moments.mean}, {"stderr", s.moments.stderr_of_mean()},
                                  {"sd", s.moments.sd()},   {"q05", s.q05},
                                  {"q50", s.q50},           {"q95", s.q95}};
    }
    entry["observables"] = obs;
    std::vector<double> weight_mean(r.config.top_k, 0.0), distance_mean(r.config.top_k, 0.0);
    for (const auto& st : r.trials)
      for (int i = 0; i < st.top_size; ++i) {
        weight_mean[i] += top_weight(st, static_cast<int>(b), r.config.betas[b], i) / r.trials.size();
        distance_mean[i] += st.top_distance[i] / r.trials.size();
      }
    entry["top_k"] = {{"distance_mean", distance_mean}, {"weight_mean", weight_mean}};
    j["results"].push_back(entry);
  }
  return j;
}

std::string to_csv(const SimulationResult& r) {
  std::ostringstream out;
  out << "trial,beta_value,beta";
  for (int k = 0; k < r.num_observables(); ++k) out << ',' << kObservableNames[k];
  for (int i = 1; i <= r.config.top_k; ++i) out << ",top" << i << "_distance,top" << i << "_index,top" << i << "_weight";
  out << '\n';
  for (std::size_t t = 0; t < r.trials.size(); ++t) {
    const TrialState& st = r.trials[t];
    for (std::size_t b = 0; b < r.config.betas.size(); ++b) {
      out << (r.config.first_trial + t) << ',' << fmt::format("{:.17g}", r.beta_values[b]) << ','
          << fmt::format("{:.17g}", r.config.betas[b]);
      for (int k = 0; k < r.num_observables(); ++k) out << ',' << fmt::format("{:.17g}", r.values[b][k][t]);
      for (int i = 0; i < r.config.top_k; ++i) {
        if (i < st.top_size)
          out << ',' << fmt::format("{:.17g}", st.top_distance[i]) << ',' << st.top_index[i] << ','
              << fmt::format("{:.17g}", top_weight(st, static_cast<int>(b), r.config.betas[b], i));
        else
          out << ",,,";
      }
      out << '\n';
    }
  }
  return out.str();
}

std::string to_table(const SimulationResult& r) {
  std::string s = fmt::format("attnlim simulate: d={} n={} trials={} seed={} sampler={} backend={} ({})\n",
                              r.config.d, r.config.n, r.config.trials, r.config.seed, sampler_name(r.config.sampler),
                              r.backend, r.device);
  s += fmt::format("{:.3g} keys/s ({:.3f} s); mean ± standard error over trials\n", r.keys_per_second, r.seconds);
  s += fmt::format("{:>11} {:>11}", r.scale.kind == BetaScale::absolute ? "beta" : r.scale.name(), "beta_abs");
  const std::vector<int> shown = {w_max, ipr, entropy, bias, e_min};
  for (int k : shown) s += fmt::format(" {:>22}", kObservableNames[k]);
  s += '\n';
  for (std::size_t b = 0; b < r.config.betas.size(); ++b) {
    s += fmt::format("{:>11.5g} {:>11.5g}", r.beta_values[b], r.config.betas[b]);
    for (int k : shown) {
      const Summary sm = r.summary(static_cast<int>(b), k);
      s += fmt::format(" {:>22}", fmt::format("{:.5g} ± {:.2g}", sm.moments.mean, sm.moments.stderr_of_mean()));
    }
    s += '\n';
  }
  return s;
}

}  // namespace attnlim
