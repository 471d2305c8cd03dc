#include "attnlim/drivers/beta_scale.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/io/parse.hpp"
#include "attnlim/theory/local_law.hpp"

namespace attnlim {

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
      throw InputError("beta_scale", "power:ALPHA needs a finite number after 'power:' (got '" + text + "')");
    s.kind = BetaScale::power;
    s.alpha = alpha;
    return s;
  }
  throw InputError("beta_scale", "unknown scale '" + text + "' (expected abs, critical, power:ALPHA or log)");
}

double absolute_beta(const BetaScale& scale, double value, const AnyKeyModel& model, const KeyCount& n) {
  switch (scale.kind) {
    case BetaScale::absolute: return value;
    case BetaScale::critical: return value * theory::critical_scale_log(local_law(model), n.log());
    case BetaScale::power: return value * std::pow(n.value(), scale.alpha);
    case BetaScale::log: return value * n.log();
  }
  return value;
}

double beta_log_unit(const BetaScale& scale, const AnyKeyModel& model, const KeyCount& n) {
  switch (scale.kind) {
    case BetaScale::critical: {
      const theory::LocalLaw law = local_law(model);
      return (n.log() + law.log_c) / law.a;
    }
    case BetaScale::power: return scale.alpha * n.log();
    default: return 0.0;
  }
}

BetaSpec parse_beta_spec(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size())
    throw InputError("beta_spec", "expected SCALE:V1,V2,... (e.g. critical:0.5,1,2), got '" + text + "'");
  BetaSpec spec;
  spec.text = text;
  try {
    spec.scale = parse_beta_scale(text.substr(0, colon));
  } catch (const InputError& e) {
    throw InputError("beta_spec", e.problem());
  }
  spec.values = parse_beta_values("beta_spec", text.substr(colon + 1));
  return spec;
}

}  // namespace attnlim
