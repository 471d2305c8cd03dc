// The exact distance law of the key models whose E/2 is a Beta variable or a mixture of Beta variables
// (uniform, subsphere, power, mixtures of these), in log space so that it serves any n: the
// order-statistics engine draws the nearest keys by inverting it (THEORY.md section 8). Host only.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "attnlim/keys/registry.hpp"

namespace attnlim {

class DistanceLaw {
 public:
  struct Component {
    double weight = 1.0;  // mixture weight
    double p = 1.0, q = 1.0;  // E/2 ~ Beta(p, q)
    int tangent_dim = 1;  // the key's direction is uniform on the unit sphere of the first tangent_dim tangent coordinates
  };
  explicit DistanceLaw(std::vector<Component> components);

  const std::vector<Component>& components() const { return components_; }
  // log P(E <= e), from log e (e in (0, 2]).
  double log_cdf(double log_e) const;
  // log of the density of E at e, from log e.
  double log_density(double log_e) const;
  // log of component j's share of the density at e: log(w_j f_j(e) / f(e)).
  double log_component_share(int j, double log_e) const;
  // log e with log P(E <= e) = log_w (log_w <= 0), accurate for probabilities far below 1e-300.
  double log_quantile(double log_w) const;

 private:
  std::vector<Component> components_;
};

// The model's distance law, or nothing where it has none in this form (a vMF, a harmonic density, a
// mixture with such a component); then *why (if given) says so in one line.
std::optional<DistanceLaw> distance_law(const AnyKeyModel& model, std::string* why = nullptr);

}  // namespace attnlim
