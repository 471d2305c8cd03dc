#include "attnlim/analysis/fit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

namespace attnlim {

LinearFit weighted_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& se) {
  const std::size_t n = x.size();
  if (n < 2 || y.size() != n || se.size() != n) throw std::invalid_argument("weighted_fit: need >= 2 points of equal length");
  double sw = 0, swx = 0, swy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(se[i] > 0)) throw std::invalid_argument("weighted_fit: standard errors must be > 0");
    const double w = 1.0 / (se[i] * se[i]);
    sw += w, swx += w * x[i], swy += w * y[i];
  }
  const double xbar = swx / sw, ybar = swy / sw;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = 1.0 / (se[i] * se[i]);
    sxx += w * (x[i] - xbar) * (x[i] - xbar);
    sxy += w * (x[i] - xbar) * (y[i] - ybar);
  }
  LinearFit f;
  f.slope = sxy / sxx;
  f.intercept = ybar - f.slope * xbar;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = (y[i] - f.intercept - f.slope * x[i]) / se[i];
    f.chi2 += r * r;
  }
  f.dof = static_cast<int>(n) - 2;
  f.scale = f.dof > 0 ? std::max(1.0, std::sqrt(f.chi2 / f.dof)) : 1.0;
  f.slope_se = f.scale / std::sqrt(sxx);
  f.intercept_se = f.scale * std::sqrt(1.0 / sw + xbar * xbar / sxx);
  // With exactly two points there is no residual dof: fall back to the normal quantile.
  const double q = f.dof > 0 ? boost::math::quantile(boost::math::students_t(f.dof), 0.975) : 1.959963984540054;
  f.slope_ci_low = f.slope - q * f.slope_se;
  f.slope_ci_high = f.slope + q * f.slope_se;
  f.intercept_ci_low = f.intercept - q * f.intercept_se;
  f.intercept_ci_high = f.intercept + q * f.intercept_se;
  return f;
}

FixedSlopeFit fixed_slope_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& se,
                              double slope) {
  if (x.size() < 2 || y.size() != x.size() || se.size() != x.size())
    throw std::invalid_argument("fixed_slope_fit: need >= 2 points of equal length");
  double sw = 0, swy = 0, chi2 = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double w = 1.0 / (se[i] * se[i]);
    sw += w, swy += w * (y[i] - slope * x[i]);
  }
  const double mean = swy / sw;
  for (std::size_t i = 0; i < x.size(); ++i) chi2 += std::pow((y[i] - slope * x[i] - mean) / se[i], 2);
  const int dof = static_cast<int>(x.size()) - 1;
  const double half = boost::math::quantile(boost::math::students_t(dof), 0.975) *
                      std::max(1.0, std::sqrt(chi2 / dof)) / std::sqrt(sw);
  return FixedSlopeFit{mean, mean - half, mean + half};
}

}  // namespace attnlim
