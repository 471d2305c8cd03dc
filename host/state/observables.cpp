#include "attnlim/state/observables.hpp"

#include <cmath>

namespace attnlim {

namespace {
const char* const kNames[kNumObservables] = {"e_min", "w_max", "ipr",  "n_eff", "entropy", "bias",
                                              "log_z", "y_min", "o_e1", "o_e2",  "o_rest"};
}

const char* observable_name(Observable o) { return kNames[index_of(o)]; }

std::optional<Observable> observable_from_name(const std::string& name) {
  for (int i = 0; i < kNumObservables; ++i)
    if (name == kNames[i]) return static_cast<Observable>(i);
  return std::nullopt;
}

std::vector<Observable> reported_observables(bool output_vector) {
  std::vector<Observable> out;
  for (int i = 0; i < kNumObservables; ++i) {
    const auto o = static_cast<Observable>(i);
    if (output_vector || !needs_output_vector(o)) out.push_back(o);
  }
  return out;
}

double observable_log_unit(Observable o, double log_distance_scale) {
  if (o == Observable::e_min || o == Observable::bias) return -log_distance_scale;
  if (o == Observable::log_z) return log_distance_scale;
  return 0.0;
}

std::array<double, kNumObservables> trial_observables(const TrialState& st, int b, double beta, double log_rescale) {
  std::array<double, kNumObservables> o{};
  const double s0 = st.s0[b], s1 = st.s1[b], s2 = st.s2[b];
  const double scale = st.log_distance_scale;
  o[index_of(Observable::e_min)] = st.min_distance;
  o[index_of(Observable::w_max)] = 1.0 / s0;
  // s0 * s0 overflows beyond 1.3e154 (the order sampler's subcritical sums): divide twice there.
  o[index_of(Observable::ipr)] = s0 < 1e150 ? s2 / (s0 * s0) : (s2 / s0) / s0;
  o[index_of(Observable::n_eff)] = s0 < 1e150 ? s0 * s0 / s2 : s0 * (s0 / s2);
  // beta = 0 weighs nothing by distance (s1 may be beyond a double in rescaled units there).
  o[index_of(Observable::entropy)] = std::log(s0) + (beta == 0.0 ? 0.0 : beta * s1 / s0);
  const double bias = st.min_distance + s1 / s0;  // in the state's distance units
  o[index_of(Observable::bias)] = bias;
  // log Z = beta (1 - m) + log s0 = e^{scale} [beta_state (1 - m) + e^{-scale} log s0], m the true distance.
  const double m = scale == 0.0 ? st.min_distance : st.min_distance * std::exp(-scale);
  o[index_of(Observable::log_z)] = beta * (1.0 - m) + (scale == 0.0 ? std::log(s0) : std::log(s0) * std::exp(-scale));
  o[index_of(Observable::y_min)] = st.min_distance * std::exp(log_rescale - scale);
  o[index_of(Observable::o_e1)] = 1.0 - (scale == 0.0 ? bias : bias * std::exp(-scale));
  const double* v = st.tangent_dim ? st.vec.data() + static_cast<std::size_t>(b) * st.tangent_dim : nullptr;
  double rest_sq = 0.0;
  for (int j = 1; j < st.tangent_dim; ++j) rest_sq += v[j] * v[j];
  o[index_of(Observable::o_e2)] = st.tangent_dim ? v[0] / s0 : 0.0;
  o[index_of(Observable::o_rest)] = std::sqrt(rest_sq) / s0;
  return o;
}

double top_weight(const TrialState& st, int b, double beta, int j) {
  return std::exp(-beta * (st.top_distance[j] - st.min_distance)) / st.s0[b];
}

}  // namespace attnlim
