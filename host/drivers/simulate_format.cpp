// The simulate result as JSON (config, backend, per-beta summaries), CSV (one row per trial and beta) and
// the readable table.
#include <cfloat>
#include <cmath>
#include <sstream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/drivers/simulate.hpp"

namespace attnlim {

void put_scaled(nlohmann::json& obj, const std::string& key, double value, double log_unit) {
  if (log_unit == 0.0 || value == 0.0 || !std::isfinite(value)) {
    obj[key] = value;  // nlohmann writes NaN and infinity as null
    return;
  }
  const double log_abs = std::log(std::abs(value)) + log_unit;
  if (log_abs < std::log(DBL_MIN) || log_abs > std::log(DBL_MAX)) {
    obj[key] = nullptr;
    obj["log_" + key] = log_abs;  // log of the absolute value (every such observable is positive)
  } else {
    obj[key] = std::copysign(std::exp(log_abs), value);
  }
}

namespace {
// The absolute beta number b as JSON: the number, or null with log_beta beside it where it is beyond a double.
void put_beta(nlohmann::json& obj, const SimulationResult& r, std::size_t b) {
  put_scaled(obj, "beta", r.spec.betas[b], r.spec.log_beta_unit);
}
}  // namespace

nlohmann::json config_json(const SimulationResult& r) {
  const RunSpec& s = r.spec;
  nlohmann::json betas = nlohmann::json::array();
  std::vector<double> log_betas;
  bool all_representable = true;
  for (std::size_t b = 0; b < s.betas.size(); ++b) {
    nlohmann::json one;
    put_beta(one, r, b);
    betas.push_back(one["beta"]);
    log_betas.push_back(log_beta(s, static_cast<int>(b)));
    all_representable = all_representable && !one["beta"].is_null();
  }
  nlohmann::json c = {{"d", s.d()},
          {"keys", describe(s.keys)},
          {"n", s.n.is_exact() ? nlohmann::json(s.n.count()) : nlohmann::json(nullptr)},
          {"trials", r.trials},
          {"first_trial", 0},
          {"beta_scale", r.scale.name()},
          {"beta_values", r.beta_values},
          {"betas", betas},
          {"top_k", s.top_k},
          {"seed", s.seed},
          {"sampler", r.sampler.empty() ? std::string(sampler_name(s.tier)) : r.sampler},
          {"output_vector", s.output_vector},
          {"threads", r.options.threads},
          {"chunk_keys", r.options.chunk_keys}};
  if (!s.n.is_exact()) c["log_n"] = s.n.log();  // n beyond a count: null, with its log
  if (!all_representable) c["log_betas"] = log_betas;
  if (r.sampler == "order") c["bulk_tolerance"] = s.bulk_tolerance;
  return c;
}

nlohmann::json to_json(const SimulationResult& r) {
  nlohmann::json j;
  j["config"] = config_json(r);
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["seconds"] = r.seconds;
  j["keys_per_second"] = r.keys_per_second;
  j["trials_per_second"] = r.trials_per_second;
  j["results"] = nlohmann::json::array();
  const int k = r.spec.top_k;
  // The order sampler's bulk: the largest error bound over trials and the mean number of exact keys.
  double bound = 0.0, exact_keys = 0.0;
  for (const auto& st : r.states) {
    bound = std::max(bound, st.bulk_error_bound);
    exact_keys += static_cast<double>(st.exact_keys) / static_cast<double>(r.states.size());
  }
  for (std::size_t b = 0; b < r.spec.betas.size(); ++b) {
    nlohmann::json entry;
    put_beta(entry, r, b);
    entry["beta_value"] = r.beta_values[b];
    nlohmann::json obs;
    for (Observable o : r.observables()) {
      const Summary s = r.summary(static_cast<int>(b), o);
      const double u = r.log_unit(o);
      nlohmann::json one;
      put_scaled(one, "mean", s.moments.mean, u);
      put_scaled(one, "stderr", s.moments.stderr_of_mean(), u);
      put_scaled(one, "sd", s.moments.sd(), u);
      put_scaled(one, "q05", s.q05, u);
      put_scaled(one, "q50", s.q50, u);
      put_scaled(one, "q95", s.q95, u);
      obs[observable_name(o)] = one;
    }
    entry["observables"] = obs;
    if (r.sampler == "order") {
      entry["bulk_error_bound"] = bound;
      entry["exact_keys_mean"] = exact_keys;
    }
    // Top-k: mean distances (null with log_ twins where beyond a double), rescaled distances y = S E, weights;
    // per rank (the order sampler has no key indices).
    std::vector<double> weight_mean(k, 0.0), distance_mean(k, 0.0);
    for (const auto& st : r.states)
      for (int i = 0; i < st.top_size; ++i) {
        weight_mean[i] += top_weight(st, static_cast<int>(b), r.state_betas[b], i) / r.states.size();
        distance_mean[i] += st.top_distance[i] / r.states.size();
      }
    nlohmann::json distances = nlohmann::json::array(), log_distances = nlohmann::json::array(), ys = nlohmann::json::array();
    bool twins = false;
    for (int i = 0; i < k; ++i) {
      nlohmann::json one;
      put_scaled(one, "d", distance_mean[i], -r.log_distance_scale);
      distances.push_back(one["d"]);
      log_distances.push_back(one.contains("log_d") ? one["log_d"] : nlohmann::json(std::log(distance_mean[i]) - r.log_distance_scale));
      twins = twins || one.contains("log_d");
      ys.push_back(distance_mean[i] * std::exp(r.log_rescale - r.log_distance_scale));
    }
    entry["top_k"] = {{"distance_mean", distances}, {"y_mean", ys}, {"weight_mean", weight_mean}};
    if (twins) entry["top_k"]["log_distance_mean"] = log_distances;
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
      out << t << ',' << fmt::format("{:.17g}", r.beta_values[b]) << ','
          << fmt::format("{:.17g}", r.spec.log_beta_unit == 0.0 ? r.spec.betas[b] : std::exp(log_beta(r.spec, static_cast<int>(b))));
      for (Observable o : observables)
        out << ',' << fmt::format("{:.17g}", r.values[b][index_of(o)][t] * std::exp(r.log_unit(o)));
      for (int i = 0; i < r.spec.top_k; ++i) {
        if (i < st.top_size) {
          // An engine without key indices (ranks only) leaves the index empty: rank i is the column itself.
          out << ',' << fmt::format("{:.17g}", st.top_distance[i] * std::exp(-r.log_distance_scale)) << ','
              << (st.indexed ? std::to_string(st.top_index[i]) : std::string()) << ','
              << fmt::format("{:.17g}", top_weight(st, static_cast<int>(b), r.state_betas[b], i));
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
                                s.n.text(), r.trials, s.seed, r.sampler, r.backend, r.device,
                                keys == UniformKeys::kName ? "" : " keys=" + keys);
  if (r.sampler == "order") {
    double bound = 0.0, exact_keys = 0.0;
    for (const auto& st : r.states) {
      bound = std::max(bound, st.bulk_error_bound);
      exact_keys += static_cast<double>(st.exact_keys) / static_cast<double>(r.states.size());
    }
    out += fmt::format("{:.3g} trials/s ({:.3f} s); {:.0f} exact keys per trial on average, the rest a Gaussian sum "
                       "(error bound {:.2g}); mean ± standard error over trials\n",
                       r.trials_per_second, r.seconds, exact_keys, bound);
  } else {
    out += fmt::format("{:.3g} keys/s ({:.3f} s); mean ± standard error over trials\n", r.keys_per_second, r.seconds);
  }
  out += fmt::format("{:>11} {:>11}", r.scale.kind == BetaScale::absolute ? "beta" : r.scale.name(), "beta_abs");
  const Observable shown[] = {Observable::w_max, Observable::ipr, Observable::entropy, Observable::bias,
                              Observable::e_min, Observable::y_min};
  for (Observable o : shown) out += fmt::format(" {:>22}", observable_name(o));
  out += '\n';
  for (std::size_t b = 0; b < s.betas.size(); ++b) {
    const double lb = log_beta(s, static_cast<int>(b));
    out += fmt::format("{:>11.5g} {:>11}", r.beta_values[b],
                       lb < 700 ? fmt::format("{:.5g}", std::exp(lb)) : fmt::format("e^{:.6g}", lb));
    for (Observable o : shown) {
      const Summary sm = r.summary(static_cast<int>(b), o);
      const double u = r.log_unit(o);
      const double mean = sm.moments.mean, se = sm.moments.stderr_of_mean();
      const bool fits = u == 0.0 || mean == 0.0 || std::abs(std::log(std::abs(mean)) + u) < 700;
      const auto scaled = [u](double v) { return v == 0.0 ? 0.0 : std::copysign(std::exp(std::log(std::abs(v)) + u), v); };
      out += fmt::format(" {:>22}", fits ? fmt::format("{:.5g} ± {:.2g}", scaled(mean), scaled(se))
                                         : fmt::format("e^{:.6g}", std::log(mean) + u));
    }
    out += '\n';
  }
  return out;
}

}  // namespace attnlim
