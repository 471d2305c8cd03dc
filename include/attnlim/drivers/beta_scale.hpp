// How beta values are read: abs (beta itself), critical (lambda in lambda (n c)^{1/a'}, the key model's
// local law), power:A (lambda in lambda n^A), log (gamma in gamma log n); and sweep's SCALE:V1,V2,... specs.
#pragma once
#include <string>
#include <vector>

#include "attnlim/engine/key_count.hpp"
#include "attnlim/keys/registry.hpp"

namespace attnlim {

struct BetaScale {
  enum Kind { absolute, critical, power, log } kind = absolute;
  double alpha = 0.0;  // exponent of power:A
  std::string name() const;
};
// "abs" | "critical" | "log" | "power:A"; throws InputError naming `beta_scale`.
BetaScale parse_beta_scale(const std::string& text);
// The absolute beta of `value` on `scale` for keys of `model` and n keys (critical: the model's local law).
double absolute_beta(const BetaScale& scale, double value, const AnyKeyModel& model, const KeyCount& n);

// The log of the unit in which `scale`'s values become betas where the absolute beta may be beyond a double
// (the order sampler, RunSpec::log_beta_unit): critical: log (n c)^{1/a'}; power:A: A log n; abs and log: 0
// (the log scale's beta is gamma log n, always finite).
double beta_log_unit(const BetaScale& scale, const AnyKeyModel& model, const KeyCount& n);

struct BetaSpec {
  BetaScale scale;
  std::vector<double> values;
  std::string text;  // as given, e.g. "critical:0.5,1,2"
};
// "SCALE:V1,V2,..." with SCALE abs | critical | log | power:A (e.g. "power:0.5:1,2"); the values are
// read by parse_beta_values (distinct, finite, >= 0, no empty item). Throws InputError naming `beta_spec`.
BetaSpec parse_beta_spec(const std::string& text);

}  // namespace attnlim
