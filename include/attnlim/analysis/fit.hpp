// Fits of log beta*(n): the weighted least-squares line (exponent and prefactor), the prefactor at a fixed
// exponent, and local slopes between consecutive points.
#pragma once
#include <vector>

namespace attnlim {

// Weighted least squares y = intercept + slope x with known standard errors of y. Intervals use
// Student's t with N-2 degrees of freedom and the standard errors scaled by sqrt(chi2/dof) when
// the scatter exceeds the stated errors (never scaled down).
struct LinearFit {
  double slope = 0, intercept = 0;
  double slope_se = 0, intercept_se = 0;
  double slope_ci_low = 0, slope_ci_high = 0;
  double intercept_ci_low = 0, intercept_ci_high = 0;
  double chi2 = 0;
  int dof = 0;
  double scale = 1;  // factor applied to the standard errors
};
LinearFit weighted_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& se);

// The intercept with the slope held at `slope`: the weighted mean of y - slope x, with a Student-t 95%
// interval (N-1 degrees of freedom, scaled up by sqrt(chi2/dof) when the scatter demands it).
struct FixedSlopeFit {
  double intercept = 0, ci_low = 0, ci_high = 0;
};
FixedSlopeFit fixed_slope_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& se,
                              double slope);

}  // namespace attnlim
