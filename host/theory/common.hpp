// Helpers shared by the theory sources (not installed): argument checks that name the argument, and
// log-space building blocks.
#pragma once
#include <string>

#include <boost/math/special_functions/gamma.hpp>
#include <fmt/core.h>

#include "attnlim/core/errors.hpp"

namespace attnlim::theory::detail {

// Throws InputError naming `field` with the problem and the function that refused it.
[[noreturn]] inline void refuse(const char* field, const std::string& problem, const char* function) {
  throw InputError(field, problem + " (in " + function + ")");
}

inline void require_dimension(int d, const char* function) {
  if (d < 2) refuse("d", fmt::format("dimension must be at least 2 (got {})", d), function);
}

inline double log_beta(double p, double q) {
  return boost::math::lgamma(p) + boost::math::lgamma(q) - boost::math::lgamma(p + q);
}

}  // namespace attnlim::theory::detail
