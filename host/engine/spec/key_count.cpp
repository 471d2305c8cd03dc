#include "attnlim/engine/key_count.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/core.h>

namespace attnlim {

KeyCount KeyCount::exact(std::uint64_t n) {
  KeyCount k;
  k.exact_ = true;
  k.count_ = n;
  k.log_ = std::log(static_cast<double>(n));
  return k;
}

KeyCount KeyCount::from_log(double log_n) {
  KeyCount k;
  k.exact_ = false;
  k.count_ = 0;
  k.log_ = log_n;
  return k;
}

std::uint64_t KeyCount::count() const {
  if (!exact_) throw std::logic_error("KeyCount::count: n = " + text() + " is held as log n, not as a count");
  return count_;
}

double KeyCount::log() const { return log_; }

double KeyCount::value() const { return exact_ ? static_cast<double>(count_) : std::exp(log_); }

std::string KeyCount::text() const { return exact_ ? std::to_string(count_) : fmt::format("e^{:.6g}", log_); }

}  // namespace attnlim
