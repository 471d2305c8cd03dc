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

// log B(p, q). The last (p, q) of each thread is remembered: the order-statistics engine inverts one Beta law
// thousands of times per trial, and three lgamma calls would be most of its cost.
inline double log_beta(double p, double q) {
  thread_local double last_p = -1.0, last_q = -1.0, last_value = 0.0;
  if (p == last_p && q == last_q) return last_value;
  last_value = boost::math::lgamma(p) + boost::math::lgamma(q) - boost::math::lgamma(p + q);
  last_p = p;
  last_q = q;
  return last_value;
}

}  // namespace attnlim::theory::detail
