// n, the number of keys per trial. Per-key engines enumerate keys, so for them n is an exact 64-bit count
// (key indices are one 64-bit counter word). Engines that never enumerate keys (the order-statistics tier)
// take any n >= 1, held as log n, so n = 1e5000 is as easy as n = 1e5.
#pragma once
#include <cstdint>
#include <string>

namespace attnlim {

class KeyCount {
 public:
  KeyCount() = default;  // one key
  static KeyCount exact(std::uint64_t n);
  // n = e^{log_n} >= 1, held as its logarithm (not exact: is_exact() is false).
  static KeyCount from_log(double log_n);

  bool is_exact() const { return exact_; }
  // The exact count. Throws std::logic_error for a count held as log n (check is_exact first).
  std::uint64_t count() const;
  double log() const;    // log n
  double value() const;  // n as a double: infinity beyond the largest double
  std::string text() const;  // "100000", or "e^11512.9" for a count held as log n

 private:
  bool exact_ = true;
  std::uint64_t count_ = 1;
  double log_ = 0.0;
};

}  // namespace attnlim
