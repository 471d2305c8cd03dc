// Tilted and partial expectations over Beta(p, q) (theory/tilted.hpp) by tanh-sinh quadrature, which takes
// the endpoint singularities u^{p-1} (p < 1) and (1-u)^{q-1} (q < 1) in its stride; the tilted integrand
// is split around its peak (at u ~ (p-1)/t for large t) and carried relative to its value there, so t up to
// 1e12 and p up to ~1e4 neither underflow nor lose the peak between nodes.
#include "attnlim/theory/tilted.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <fmt/core.h>

#include "common.hpp"

namespace attnlim::theory {

using detail::log_beta;
using detail::refuse;

namespace {

void require_shape(double p, double q, const char* what) {
  if (!(p > 0) || !std::isfinite(p)) refuse("p", fmt::format("a Beta shape must be > 0 (got {})", p), what);
  if (!(q > 0) || !std::isfinite(q)) refuse("q", fmt::format("a Beta shape must be > 0 (got {})", q), what);
}

// The tilted integral int_0^1 u^{p-1} (1-u)^{q-1} e^{-t u} g(u) du = e^{shift} * (returned value).
double tilted_integral(double p, double q, double t, const std::function<double(double)>& g, double& shift) {
  const double exponent_scale = t + std::abs(p - 1.0) + std::abs(q - 1.0) + 1.0;
  const double peak = std::clamp(std::max(p - 1.0, 0.0) / (t + p + q), 0.0, 1.0);
  const double width = std::sqrt(std::max(p, 1.0)) / exponent_scale;
  const double reference = std::clamp(peak > 0.0 ? peak : std::min(0.5, 1.0 / exponent_scale), 1e-300, 0.5);
  // log of u^{p-1} (1-u)^{q-1} e^{-t u}, given u and 1 - u each to full relative precision.
  const auto log_weight = [&](double u, double one_minus_u) {
    return (p - 1.0) * std::log(u) + (q - 1.0) * std::log(one_minus_u) - t * u;
  };
  shift = log_weight(reference, 1.0 - reference);
  std::vector<double> cuts = {0.0, 1.0};
  for (double k : {-10.0, -3.0, 0.0, 3.0, 10.0, 40.0, 200.0}) {
    const double c = peak + k * width;
    if (c > 0.0 && c < 1.0) cuts.push_back(c);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  thread_local boost::math::quadrature::tanh_sinh<double> integrator;  // integrate() is not thread-safe
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const double lo = cuts[i], hi = cuts[i + 1];
    // Boost's two-argument form: xc is the signed distance to the nearer end (lo - x < 0 near lo, hi - x > 0
    // near hi), so u next to 0 and 1 - u next to 1 are exact where the singular factors need them.
    const auto f = [&](double u, double xc) {
      const double uu = lo == 0.0 && xc < 0.0 ? -xc : u;
      const double one_minus = hi == 1.0 && xc > 0.0 ? xc : 1.0 - u;
      if (!(uu > 0.0) || !(one_minus > 0.0)) return 0.0;
      return std::exp(log_weight(uu, one_minus) - shift) * g(uu);
    };
    total += integrator.integrate(f, lo, hi, 1e-12);
  }
  return total;
}

}  // namespace

double beta_log_laplace(double p, double q, double t) {
  require_shape(p, q, "beta_log_laplace");
  if (!(t >= 0) || !std::isfinite(t)) refuse("t", fmt::format("must be finite and >= 0 (got {})", t), "beta_log_laplace");
  double shift = 0.0;
  const double integral = tilted_integral(p, q, t, [](double) { return 1.0; }, shift);
  return shift + std::log(integral) - log_beta(p, q);
}

double beta_tilted_mean(double p, double q, double t, const std::function<double(double)>& g) {
  require_shape(p, q, "beta_tilted_mean");
  if (!(t >= 0) || !std::isfinite(t)) refuse("t", fmt::format("must be finite and >= 0 (got {})", t), "beta_tilted_mean");
  double shift0 = 0.0, shift1 = 0.0;
  const double norm = tilted_integral(p, q, t, [](double) { return 1.0; }, shift0);
  const double value = tilted_integral(p, q, t, g, shift1);
  return value / norm * std::exp(shift1 - shift0);
}

double beta_log_partial_mean(double p, double q, double x, const std::function<double(double)>& g) {
  require_shape(p, q, "beta_log_partial_mean");
  if (!(x > 0.0 && x <= 1.0)) refuse("x", fmt::format("must be in (0, 1] (got {})", x), "beta_log_partial_mean");
  // u = x w: int_0^x u^{p-1}(1-u)^{q-1} g(u) du = x^p int_0^1 w^{p-1} (1 - x w)^{q-1} g(x w) dw.
  thread_local boost::math::quadrature::tanh_sinh<double> integrator;
  const auto f = [&](double w, double xc) {
    const double ww = xc < 0.0 ? -xc : w;                         // exact next to w = 0
    const double one_minus_w = xc > 0.0 ? xc : 1.0 - w;           // exact next to w = 1
    const double one_minus_xw = (1.0 - x) + x * one_minus_w;      // 1 - x w without cancellation at x = 1
    if (!(ww > 0.0) || !(one_minus_xw > 0.0)) return 0.0;
    return std::exp((p - 1.0) * std::log(ww) + (q - 1.0) * std::log(one_minus_xw)) * g(x * ww);
  };
  const double integral = integrator.integrate(f, 0.0, 1.0, 1e-12);
  return p * std::log(x) + std::log(integral) - log_beta(p, q);
}

}  // namespace attnlim::theory
