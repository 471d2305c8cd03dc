#include "attnlim/keys/distance_law.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include <boost/math/tools/roots.hpp>

#include "attnlim/theory/distance.hpp"
#include "log_sum.hpp"

namespace attnlim {

namespace {

constexpr double kLog2 = 0.69314718055994530942;

// A base model's component through its own hook (host/model/<name>.cpp), or nothing (with *why).
std::optional<DistanceLaw::Component> base_component(const BaseKeyModel& model, double weight, std::string* why) {
  return std::visit(
      [&](const auto& m) -> std::optional<DistanceLaw::Component> {
        const std::optional<BetaDistance> law = m.beta_distance();
        if (!law) {
          if (why)
            *why = std::string("the order-statistics sampler needs a key model whose distance E/2 is a Beta variable "
                               "(uniform, subsphere, power, or a mixture of these); '") +
                   m.kName + "' has none";
          return std::nullopt;
        }
        return DistanceLaw::Component{weight, law->p, law->q, law->tangent_dim};
      },
      model);
}

}  // namespace

DistanceLaw::DistanceLaw(std::vector<Component> components) : components_(std::move(components)) {}

double DistanceLaw::log_cdf(double log_e) const {
  const double log_x = std::min(0.0, log_e - kLog2);
  std::vector<double> weights, values;
  for (const auto& c : components_) {
    weights.push_back(c.weight);
    values.push_back(theory::log_beta_cdf_log(c.p, c.q, log_x));
  }
  return detail::log_weighted_sum(weights, values);
}

double DistanceLaw::log_density(double log_e) const {
  const double log_x = std::min(0.0, log_e - kLog2);
  std::vector<double> weights, values;
  for (const auto& c : components_) {
    weights.push_back(c.weight);
    values.push_back(theory::log_beta_density_log(c.p, c.q, log_x) - kLog2);
  }
  return detail::log_weighted_sum(weights, values);
}

double DistanceLaw::log_component_share(int j, double log_e) const {
  const double log_x = std::min(0.0, log_e - kLog2);
  const auto& c = components_[j];
  return std::log(c.weight) + theory::log_beta_density_log(c.p, c.q, log_x) - kLog2 - log_density(log_e);
}

double DistanceLaw::log_quantile(double log_w) const {
  if (components_.size() == 1) return theory::log_beta_quantile_log(components_[0].p, components_[0].q, log_w) + kLog2;
  if (log_w >= 0.0) return std::log(2.0);
  if (log_w == -std::numeric_limits<double>::infinity()) return log_w;
  // A mixture: bracket the root between the components' quantiles. hi: the smallest e where some w_j F_j(e)
  // reaches w (F >= w_j F_j); lo: the largest e where every F_j(e) <= w / J (F <= J max_j F_j). Then solve
  // log F(e) = log_w in log e.
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  for (const auto& c : components_) {
    lo = std::min(lo, theory::log_beta_quantile_log(c.p, c.q, std::min(0.0, log_w - std::log(static_cast<double>(components_.size())))));
    hi = std::max(hi, theory::log_beta_quantile_log(c.p, c.q, std::min(0.0, log_w - std::log(c.weight))));
  }
  lo += kLog2;
  hi = std::min(hi + kLog2, std::log(2.0));
  if (!std::isfinite(lo)) lo = hi - 50.0;  // a component's quantile beyond a double: widen below until F(lo) < w
  while (log_cdf(lo) > log_w && std::isfinite(lo)) lo -= 50.0;
  const auto f = [&](double t) { return log_cdf(t) - log_w; };
  if (f(lo) >= 0) return lo;
  if (f(hi) <= 0) return hi;
  boost::math::tools::eps_tolerance<double> tol(50);
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(f, lo, hi, tol, iterations);
  return 0.5 * (root.first + root.second);
}

std::optional<DistanceLaw> distance_law(const AnyKeyModel& model, std::string* why) {
  std::vector<DistanceLaw::Component> parts;
  if (const auto* mix = std::get_if<MixtureKeys>(&model)) {
    for (int j = 0; j < mix->count; ++j) {
      auto c = base_component(component_model(mix->component[j]), mix->weight[j], why);
      if (!c) return std::nullopt;
      parts.push_back(*c);
    }
  } else {
    std::optional<DistanceLaw::Component> c;
    std::visit(
        [&](const auto& m) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(m)>, MixtureKeys>) c = base_component(BaseKeyModel(m), 1.0, why);
        },
        model);
    if (!c) return std::nullopt;
    parts.push_back(*c);
  }
  return DistanceLaw(parts);
}

}  // namespace attnlim
