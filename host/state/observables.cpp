#include "attnlim/state/observables.hpp"

#include <cmath>

namespace attnlim {

namespace {
const char* const kNames[kNumObservables] = {"e_min", "w_max", "ipr",  "n_eff", "entropy",
                                              "bias",  "log_z", "o_e1", "o_e2",  "o_rest"};
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

std::array<double, kNumObservables> trial_observables(const TrialState& st, int b, double beta) {
  std::array<double, kNumObservables> o{};
  const double s0 = st.s0[b], s1 = st.s1[b], s2 = st.s2[b];
  o[index_of(Observable::e_min)] = st.min_distance;
  o[index_of(Observable::w_max)] = 1.0 / s0;
  o[index_of(Observable::ipr)] = s2 / (s0 * s0);
  o[index_of(Observable::n_eff)] = s0 * s0 / s2;
  o[index_of(Observable::entropy)] = std::log(s0) + beta * s1 / s0;
  const double bias = st.min_distance + s1 / s0;
  o[index_of(Observable::bias)] = bias;
  o[index_of(Observable::log_z)] = beta * (1.0 - st.min_distance) + std::log(s0);
  o[index_of(Observable::o_e1)] = 1.0 - bias;
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
