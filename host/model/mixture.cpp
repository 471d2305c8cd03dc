// Host hooks of MixtureKeys (include/attnlim/keys/mixture.hpp, instantiated in keys/registry.hpp): every
// quantity is the weighted combination of its components' hooks (THEORY.md section 7).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/keys/registry.hpp"
#include "log_sum.hpp"

namespace attnlim {

namespace {

using detail::log_sum_exp;
using detail::log_weighted_sum;

std::vector<double> weights_of(const MixtureKeys& m) { return std::vector<double>(m.weight, m.weight + m.count); }

template <class F>
std::vector<double> over_components(const MixtureKeys& m, F f) {
  std::vector<double> out;
  for (int j = 0; j < m.count; ++j) {
    const BaseKeyModel model = component_model(m.component[j]);
    out.push_back(std::visit(f, model));
  }
  return out;
}

}  // namespace

template <>
MixtureKeys MixtureKeys::parse(KeyParams& params, int d) {
  const std::string rest = params.take_rest();
  if (rest.empty())
    throw InputError("keys", "mix needs its components: mix:P1*SPEC1;P2*SPEC2;... (e.g. mix:0.9*vmf:kappa=20,angle=2;0.1*uniform)");
  MixtureKeys mixture;
  mixture.d = d;
  std::size_t start = 0;
  double total = 0.0;
  while (start <= rest.size()) {
    const std::size_t semicolon = rest.find(';', start);
    const std::string item = rest.substr(start, semicolon == std::string::npos ? std::string::npos : semicolon - start);
    const std::size_t star = item.find('*');
    if (item.empty() || star == std::string::npos || star == 0 || star + 1 == item.size())
      throw InputError("keys", fmt::format("'{}': each component is WEIGHT*SPEC (got '{}')", params.spec(), item));
    if (mixture.count == kMaxComponents)
      throw InputError("keys", fmt::format("'{}': at most {} components", params.spec(), kMaxComponents));
    const std::string weight_text = item.substr(0, star);
    char* end = nullptr;
    const double weight = std::strtod(weight_text.c_str(), &end);
    if (end != weight_text.c_str() + weight_text.size())
      throw InputError("keys", fmt::format("'{}': the weight '{}' is not a number", params.spec(), weight_text));
    if (!(weight > 0.0) || !std::isfinite(weight))
      throw InputError("keys", fmt::format("'{}': every weight must be > 0 (got {})", params.spec(), item.substr(0, star)));
    const AnyKeyModel model = parse_key_model(item.substr(star + 1), d);
    if (std::holds_alternative<MixtureKeys>(model))
      throw InputError("keys", fmt::format("'{}': a mixture's component cannot be a mixture", params.spec()));
    BaseKeyModel base;
    std::visit(
        [&](const auto& m) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(m)>, MixtureKeys>) base = m;
        },
        model);
    mixture.component[mixture.count] = make_component(base);
    mixture.weight[mixture.count++] = weight;
    total += weight;
    if (semicolon == std::string::npos) break;
    start = semicolon + 1;
  }
  if (std::fabs(total - 1.0) > 1e-9)
    throw InputError("keys", fmt::format("'{}': the weights sum to {:.12g}, not 1", params.spec(), total));
  double running = 0.0;
  for (int j = 0; j < mixture.count; ++j) {
    mixture.weight[j] /= total;  // exactly 1 in all
    running += mixture.weight[j];
    mixture.cumulative[j] = j + 1 == mixture.count ? 1.0 : running;
  }
  return mixture;
}

template <>
std::string MixtureKeys::describe() const {
  std::string out = "mix:";
  for (int j = 0; j < count; ++j)
    out += fmt::format("{}{}*{}", j ? ";" : "", weight[j],
                       std::visit([](const auto& m) { return m.describe(); }, component_model(component[j])));
  return out;
}

template <>
void MixtureKeys::validate() const {
  if (count < 1 || count > kMaxComponents) throw InputError("keys", "a mixture needs 1 to 8 components");
  for (int j = 0; j < count; ++j) std::visit([](const auto& m) { m.validate(); }, component_model(component[j]));
}

template <>
bool MixtureKeys::symmetric_about_query() const {
  for (int j = 0; j < count; ++j)
    if (!std::visit([](const auto& m) { return m.symmetric_about_query(); }, component_model(component[j])))
      return false;
  return true;
}

template <>
theory::LocalLaw MixtureKeys::local_law() const {
  // The nearest keys come from the components with the smallest local exponent; the others' mass near q is
  // of higher order in s. c = sum of p_j c_j over those.
  const std::vector<double> a = over_components(*this, [](const auto& m) { return m.local_law().a; });
  const std::vector<double> log_c = over_components(*this, [](const auto& m) { return m.local_law().log_c; });
  const double smallest = *std::min_element(a.begin(), a.end());
  std::vector<double> terms;
  for (int j = 0; j < count; ++j)
    if (a[j] <= smallest * (1.0 + 1e-12)) terms.push_back(std::log(weight[j]) + log_c[j]);
  theory::LocalLaw law;
  law.a = smallest;
  law.log_c = log_sum_exp(terms);
  if (law.log_c <= std::log(std::numeric_limits<double>::max())) law.c = std::exp(law.log_c);
  return law;
}

template <>
double MixtureKeys::distance_log_cdf(double s) const {
  return log_weighted_sum(weights_of(*this), over_components(*this, [s](const auto& m) { return m.distance_log_cdf(s); }));
}

template <>
double MixtureKeys::log_mgf(double beta) const {
  return log_weighted_sum(weights_of(*this), over_components(*this, [beta](const auto& c) { return c.log_mgf(beta); }));
}

template <>
LimitOutput MixtureKeys::limit_output(double beta) const {
  const std::vector<double> m = over_components(*this, [beta](const auto& c) { return c.log_mgf(beta); });
  std::vector<double> terms;
  for (int j = 0; j < count; ++j) terms.push_back(std::log(weight[j]) + m[j]);
  const double log_total = log_sum_exp(terms);
  LimitOutput out;
  for (int j = 0; j < count; ++j) {
    const double share = std::exp(terms[j] - log_total);  // p_j M_j / sum p M
    const LimitOutput o =
        std::visit([beta](const auto& c) { return c.limit_output(beta); }, component_model(component[j]));
    out.e1 += share * o.e1;
    out.e2 += share * o.e2;
  }
  return out;
}

namespace {
// log p_j + log rho_j(q) per component.
std::vector<double> log_weighted_densities(const MixtureKeys& mix) {
  std::vector<double> terms = over_components(mix, [](const auto& m) { return m.log_density_at_query(); });
  for (int j = 0; j < mix.count; ++j) terms[j] += std::log(mix.weight[j]);
  return terms;
}

// log sum_j exp(terms_j), or the first term with no finite density at q (NaN, +inf) as it is.
double log_total_density(const std::vector<double>& terms) {
  for (double t : terms)
    if (std::isnan(t) || t == std::numeric_limits<double>::infinity()) return t;
  return log_sum_exp(terms);
}
}  // namespace

template <>
double MixtureKeys::log_density_at_query() const {
  return log_total_density(log_weighted_densities(*this));
}

template <>
double MixtureKeys::log_density_gradient_e2() const {
  // grad log sum_j p_j rho_j = sum_j s_j grad log rho_j with s_j = p_j rho_j / sum_k p_k rho_k; a component
  // with rho_j(q) = 0 has s_j = 0 and adds nothing when its gradient vanishes there (0 * NaN stays NaN).
  const std::vector<double> terms = log_weighted_densities(*this);
  const double log_total = log_total_density(terms);
  if (!std::isfinite(log_total)) return std::nan("");
  const std::vector<double> g = over_components(*this, [](const auto& m) { return m.log_density_gradient_e2(); });
  double total = 0.0;
  for (int j = 0; j < count; ++j) total += std::exp(terms[j] - log_total) * g[j];
  return total;
}

}  // namespace attnlim
