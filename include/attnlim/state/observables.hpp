// Observables of one trial at one beta, each one formula from the state's sums (softmax.hpp):
// w_max = 1/s0, ipr = s2/s0^2, entropy = log s0 + beta s1/s0, bias = sum w E = m + s1/s0,
// log Z = log sum e^{beta X} = beta (1 - m) + log s0; with --output-vector the output O in the query frame:
// o_e1 = 1 - bias, o_e2 = v_1 / s0 and o_rest = |v_2..v_{d-1}| / s0 from the weighted tangential sum v.
#pragma once
#include <array>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "attnlim/state/trial_state.hpp"

namespace attnlim {

enum class Observable : int {
  e_min,         // nearest distance E_(1)
  w_max,         // largest weight
  ipr,           // sum w^2
  n_eff,         // 1 / ipr
  entropy,       // -sum w log w
  bias,          // sum w E = 1 - <O, q>
  log_z,         // log sum e^{beta X}
  y_min,         // the rescaled nearest distance (n c)^{1/a'} E_(1) (the key model's local law)
  o_e1,          // <O, q>: the output on the query (--output-vector)
  o_e2,          // <O, e_2>, e_2 the unit tangent at q toward the key model's axis (0 in law without one)
  o_rest,        // the norm of the rest of O, orthogonal to q and e_2
};
constexpr int kNumObservables = 11;

constexpr int index_of(Observable o) { return static_cast<int>(o); }
const char* observable_name(Observable o);
std::optional<Observable> observable_from_name(const std::string& name);
// Needs the weighted key sum (--output-vector).
constexpr bool needs_output_vector(Observable o) {
  return o == Observable::o_e1 || o == Observable::o_e2 || o == Observable::o_rest;
}
// The observables a run reports, in this order: the scalar ones, then (with the output vector) the vector ones.
std::vector<Observable> reported_observables(bool output_vector);

// Every observable of state `state` at beta number b (values indexed by index_of). `beta` is in the state's
// units (beta e^{-log_distance_scale}: the absolute beta for the per-key engines); log_rescale is
// log (n c)^{1/a'} (y_min is NaN without it). Values are scaled: observable o is value e^{observable_log_unit}
// (e_min and bias in the state's distance units, log_z divided by e^{log_distance_scale}); every scale is 1
// (unit 0) for the per-key engines' states, whose values are the observables themselves.
std::array<double, kNumObservables> trial_observables(const TrialState& state, int b, double beta,
                                                      double log_rescale = std::numeric_limits<double>::quiet_NaN());
// The log of the factor that turns observable o's scaled value into its value, for states whose distances
// carry log_distance_scale.
double observable_log_unit(Observable o, double log_distance_scale);
// Weight of the j-th nearest kept key at beta (state units): e^{-beta (E_j - m)} / s0.
double top_weight(const TrialState& state, int b, double beta, int j);

}  // namespace attnlim
