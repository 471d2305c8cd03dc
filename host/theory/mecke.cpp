// The critical law's Mecke limits E[sum W^2] and E[H] (THEORY.md section 3): the Frullani form
// (mecke_frullani.cpp) below lambda = 2 max(a, 1), the nearest-point form (mecke_nearest.cpp) from there on,
// where the Frullani form loses 1 - ipr and H to cancellation.
#include <algorithm>

#include "critical_common.hpp"

namespace attnlim::theory {

using namespace detail;

namespace {

constexpr double kNearestPointFactor = 2.0;  // nearest-point form for lambda >= this * max(a, 1)

bool use_nearest_point(double a, double lambda) { return lambda >= kNearestPointFactor * std::max(a, 1.0); }

}  // namespace

double critical_ipr(double a, double lambda) {
  require_exponent_and_lambda(a, lambda, "critical_ipr");
  if (use_nearest_point(a, lambda)) return 1.0 - nearest_point_ipr_deficit(a, lambda);
  return frullani_ipr(a, lambda);
}

double critical_entropy(double a, double lambda) {
  require_exponent_and_lambda(a, lambda, "critical_entropy");
  if (use_nearest_point(a, lambda)) return nearest_point_entropy(a, lambda);
  return frullani_entropy(a, lambda);
}

}  // namespace attnlim::theory
