// Strict parsing of user-typed values (the CLI's options, Python's string arguments), shared by every command.
#include "attnlim/io/parse.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"

namespace attnlim {

std::uint64_t parse_whole(const std::string& field, const std::string& text, std::uint64_t min, std::uint64_t max) {
  if (text.empty()) throw InputError(field, "empty value");
  const auto not_whole = [&] { return InputError(field, fmt::format("'{}' is not a whole number", text)); };
  // Read sign, digits, optional fraction and exponent exactly (no floating point: 1e19 + 1 stays exact).
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
  std::string digits;
  long long exponent = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    const char ch = text[i];
    if (std::isdigit(static_cast<unsigned char>(ch))) {
      digits += ch;
      if (dot) --exponent;
    } else if (ch == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits.empty()) throw not_whole();
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exponent_negative = text[i++] == '-';
    if (i == text.size()) throw not_whole();
    long long e = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
      e = std::min<long long>(e * 10 + (text[i] - '0'), 1000000);  // far beyond any 64-bit value
    exponent += exponent_negative ? -e : e;
  }
  if (i != text.size()) throw not_whole();
  while (!digits.empty() && digits.back() == '0') digits.pop_back(), ++exponent;
  const std::size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? std::string() : digits.substr(first);
  const auto too_large = [&] { return InputError(field, fmt::format("must be at most {} (got {})", max, text)); };
  std::uint64_t value = 0;
  if (!digits.empty()) {
    if (exponent < 0) throw not_whole();
    if (negative) throw InputError(field, fmt::format("must be at least {} (got {})", min, text));
    if (static_cast<long long>(digits.size()) + exponent > 20) throw too_large();
    constexpr std::uint64_t kLimit = ~std::uint64_t{0};
    for (char ch : digits) {
      const auto digit = static_cast<std::uint64_t>(ch - '0');
      if (value > (kLimit - digit) / 10) throw too_large();
      value = value * 10 + digit;
    }
    for (long long k = 0; k < exponent; ++k) {
      if (value > kLimit / 10) throw too_large();
      value *= 10;
    }
  }
  if (value < min) throw InputError(field, fmt::format("must be at least {} (got {})", min, text));
  if (value > max) throw too_large();
  return value;
}

double parse_real(const std::string& field, const std::string& text) {
  if (text.empty()) throw InputError(field, "empty value");
  if (std::isspace(static_cast<unsigned char>(text.front())))
    throw InputError(field, fmt::format("'{}' is not a number", text));
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) throw InputError(field, fmt::format("'{}' is not a number", text));
  return v;  // out-of-range text gives +-inf or 0, which the callers' range checks report
}

std::vector<std::string> split_list(const std::string& field, const std::string& text) {
  if (text.empty()) throw InputError(field, "empty value");
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (items.back().empty()) throw InputError(field, fmt::format("empty item in the list '{}'", text));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::vector<std::uint64_t> parse_whole_list(const std::string& field, const std::string& text, std::uint64_t min,
                                            std::uint64_t max) {
  std::vector<std::uint64_t> values;
  for (const auto& item : split_list(field, text)) {
    const std::uint64_t v = parse_whole(field, item, min, max);
    for (auto seen : values)
      if (seen == v) throw InputError(field, fmt::format("{} appears twice in '{}'", v, text));
    values.push_back(v);
  }
  return values;
}

std::vector<double> parse_beta_values(const std::string& field, const std::string& text) {
  std::vector<double> values;
  for (const auto& item : split_list(field, text)) {
    // A..BxN: N values log-spaced from A to B (both included; 0 < A < B, 2 <= N <= 64).
    const auto dots = item.find("..");
    if (dots != std::string::npos) {
      const auto x = item.find('x', dots);
      if (x == std::string::npos)
        throw InputError(field, fmt::format("a range is A..BxN (N log-spaced values from A to B), got '{}'", item));
      const double lo = parse_real(field, item.substr(0, dots)), hi = parse_real(field, item.substr(dots + 2, x - dots - 2));
      const std::uint64_t count = parse_whole(field, item.substr(x + 1), 2, 64);
      if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi))
        throw InputError(field, fmt::format("a range A..BxN needs 0 < A < B, finite (got '{}')", item));
      for (std::uint64_t i = 0; i < count; ++i) {
        const double v = i + 1 == count ? hi
                                        : std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * static_cast<double>(i) /
                                                                      static_cast<double>(count - 1));
        for (double seen : values)
          if (seen == v) throw InputError(field, fmt::format("{} appears twice in '{}'", v, text));
        values.push_back(i == 0 ? lo : v);
      }
      continue;
    }
    const double v = parse_real(field, item);
    if (!std::isfinite(v) || v < 0)
      throw InputError(field, fmt::format("every value must be finite and >= 0 (got {})", item));
    for (double seen : values)
      if (seen == v) throw InputError(field, fmt::format("{} appears twice in '{}'", item, text));
    values.push_back(v);
  }
  return values;
}

}  // namespace attnlim
