// The simulate result as JSON (config, backend, per-beta summaries), CSV (one row per trial and beta) and
// the readable table.
#include <sstream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/drivers/simulate.hpp"

namespace attnlim {

nlohmann::json config_json(const SimulationResult& r) {
  const RunSpec& s = r.spec;
  nlohmann::json c = {{"d", s.d()},
          {"keys", describe(s.keys)},
          {"n", s.n.is_exact() ? nlohmann::json(s.n.count()) : nlohmann::json(nullptr)},
          {"trials", r.trials},
          {"first_trial", 0},
          {"beta_scale", r.scale.name()},
          {"beta_values", r.beta_values},
          {"betas", s.betas},
          {"top_k", s.top_k},
          {"seed", s.seed},
          {"sampler", sampler_name(s.tier)},
          {"output_vector", s.output_vector},
          {"threads", r.options.threads},
          {"chunk_keys", r.options.chunk_keys}};
  if (!s.n.is_exact()) c["log_n"] = s.n.log();  // n beyond a count: null, with its log
  return c;
}

nlohmann::json to_json(const SimulationResult& r) {
  nlohmann::json j;
  j["config"] = config_json(r);
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["seconds"] = r.seconds;
  j["keys_per_second"] = r.keys_per_second;
  j["results"] = nlohmann::json::array();
  const int k = r.spec.top_k;
  for (std::size_t b = 0; b < r.spec.betas.size(); ++b) {
    nlohmann::json entry;
    entry["beta"] = r.spec.betas[b];
    entry["beta_value"] = r.beta_values[b];
    nlohmann::json obs;
    for (Observable o : r.observables()) {
      const Summary s = r.summary(static_cast<int>(b), o);
      obs[observable_name(o)] = {{"mean", s.moments.mean}, {"stderr", s.moments.stderr_of_mean()},
                                 {"sd", s.moments.sd()},   {"q05", s.q05},
                                 {"q50", s.q50},           {"q95", s.q95}};
    }
    entry["observables"] = obs;
    std::vector<double> weight_mean(k, 0.0), distance_mean(k, 0.0);
    for (const auto& st : r.states)
      for (int i = 0; i < st.top_size; ++i) {
        weight_mean[i] += top_weight(st, static_cast<int>(b), r.spec.betas[b], i) / r.states.size();
        distance_mean[i] += st.top_distance[i] / r.states.size();
      }
    entry["top_k"] = {{"distance_mean", distance_mean}, {"weight_mean", weight_mean}};
    j["results"].push_back(entry);
  }
  return j;
}

std::string to_csv(const SimulationResult& r) {
  std::ostringstream out;
  const auto observables = r.observables();
  out << "trial,beta_value,beta";
  for (Observable o : observables) out << ',' << observable_name(o);
  for (int i = 1; i <= r.spec.top_k; ++i) out << ",top" << i << "_distance,top" << i << "_index,top" << i << "_weight";
  out << '\n';
  for (std::size_t t = 0; t < r.states.size(); ++t) {
    const TrialState& st = r.states[t];
    for (std::size_t b = 0; b < r.spec.betas.size(); ++b) {
      out << t << ',' << fmt::format("{:.17g}", r.beta_values[b]) << ',' << fmt::format("{:.17g}", r.spec.betas[b]);
      for (Observable o : observables) out << ',' << fmt::format("{:.17g}", r.values[b][index_of(o)][t]);
      for (int i = 0; i < r.spec.top_k; ++i) {
        if (i < st.top_size) {
          // An engine without key indices (ranks only) leaves the index empty: rank i is the column itself.
          out << ',' << fmt::format("{:.17g}", st.top_distance[i]) << ','
              << (st.indexed ? std::to_string(st.top_index[i]) : std::string()) << ','
              << fmt::format("{:.17g}", top_weight(st, static_cast<int>(b), r.spec.betas[b], i));
        } else {
          out << ",,,";
        }
      }
      out << '\n';
    }
  }
  return out.str();
}

std::string to_table(const SimulationResult& r) {
  const RunSpec& s = r.spec;
  std::string keys = describe(s.keys);
  std::string out = fmt::format("attnlim simulate: d={} n={} trials={} seed={} sampler={} backend={} ({}){}\n", s.d(),
                                s.n.text(), r.trials, s.seed, sampler_name(s.tier), r.backend, r.device,
                                keys == UniformKeys::kName ? "" : " keys=" + keys);
  out += fmt::format("{:.3g} keys/s ({:.3f} s); mean ± standard error over trials\n", r.keys_per_second, r.seconds);
  out += fmt::format("{:>11} {:>11}", r.scale.kind == BetaScale::absolute ? "beta" : r.scale.name(), "beta_abs");
  const Observable shown[] = {Observable::w_max, Observable::ipr, Observable::entropy, Observable::bias,
                              Observable::e_min};
  for (Observable o : shown) out += fmt::format(" {:>22}", observable_name(o));
  out += '\n';
  for (std::size_t b = 0; b < s.betas.size(); ++b) {
    out += fmt::format("{:>11.5g} {:>11.5g}", r.beta_values[b], s.betas[b]);
    for (Observable o : shown) {
      const Summary sm = r.summary(static_cast<int>(b), o);
      out += fmt::format(" {:>22}", fmt::format("{:.5g} ± {:.2g}", sm.moments.mean, sm.moments.stderr_of_mean()));
    }
    out += '\n';
  }
  return out;
}

}  // namespace attnlim
