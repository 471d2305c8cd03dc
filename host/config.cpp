#include "attnlim/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/core.h>

#include "attnlim/common.hpp"
#include "attnlim/errors.hpp"

namespace attnlim {

const char* sampler_name(SamplerTier tier) { return tier == SamplerTier::full ? "full" : "projected"; }

void validate(const SimConfig& c) {
  if (c.d < 2) throw InputError(fmt::format("--d: must be at least 2 (got {})", c.d));
  if (c.d > kMaxDimension) throw InputError(fmt::format("--d: at most {} is supported (got {})", kMaxDimension, c.d));
  if (c.n < 1) throw InputError("--n: must be at least 1 (got 0)");
  if (c.n > kMaxKeys) throw InputError(fmt::format("--n: at most {} (2^63) is supported (got {})", kMaxKeys, c.n));
  if (c.trials < 1) throw InputError("--trials: must be at least 1 (got 0)");
  if (c.first_trial > kMaxTrials || c.trials > kMaxTrials - c.first_trial)
    throw InputError(fmt::format("--trials: trial numbers must fit in 32 bits (at most {} trials)", kMaxTrials));
  if (c.top_k < 0 || c.top_k > kMaxTopK)
    throw InputError(fmt::format("--top-k: must be between 0 and {} (got {})", kMaxTopK, c.top_k));
  if (static_cast<std::uint64_t>(c.top_k) > c.n)
    throw InputError(fmt::format("--top-k: must not exceed --n (got k = {} > n = {})", c.top_k, c.n));
  if (c.betas.empty()) throw InputError("--beta: the list is empty");
  if (c.betas.size() > static_cast<std::size_t>(kMaxBetas))
    throw InputError(fmt::format("--beta: at most {} values per pass (got {})", kMaxBetas, c.betas.size()));
  for (double b : c.betas) {
    if (!std::isfinite(b)) throw InputError(fmt::format("--beta: every value must be finite (got {})", b));
    if (b < 0) throw InputError(fmt::format("--beta: every value must be >= 0 (got {})", b));
  }
  if (c.output_vector && c.sampler == SamplerTier::projected)
    throw InputError("--sampler: projected keys carry no direction; use --sampler full with --output-vector");
  if (c.chunk_keys < 1) throw InputError("--chunk: must be at least 1");
  if (c.chunk_keys > kMaxKeys) throw InputError(fmt::format("--chunk: at most {} (got {})", kMaxKeys, c.chunk_keys));
  if (c.threads < 0 || c.threads > kMaxThreads)
    throw InputError(fmt::format("--threads: must be between 0 and {} (got {})", kMaxThreads, c.threads));
}

std::uint64_t parse_whole(const std::string& flag, const std::string& text, std::uint64_t min, std::uint64_t max) {
  if (text.empty()) throw InputError(flag + ": empty value");
  const auto not_whole = [&] { return InputError(fmt::format("{}: '{}' is not a whole number", flag, text)); };
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
  const auto too_large = [&] { return InputError(fmt::format("{}: must be at most {} (got {})", flag, max, text)); };
  std::uint64_t value = 0;
  if (!digits.empty()) {
    if (exponent < 0) throw not_whole();
    if (negative) throw InputError(fmt::format("{}: must be at least {} (got {})", flag, min, text));
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
  if (value < min) throw InputError(fmt::format("{}: must be at least {} (got {})", flag, min, text));
  if (value > max) throw too_large();
  return value;
}

double parse_real(const std::string& flag, const std::string& text) {
  if (text.empty()) throw InputError(flag + ": empty value");
  if (std::isspace(static_cast<unsigned char>(text.front())))
    throw InputError(fmt::format("{}: '{}' is not a number", flag, text));
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) throw InputError(fmt::format("{}: '{}' is not a number", flag, text));
  return v;  // out-of-range text gives +-inf or 0, which the callers' range checks report
}

std::vector<std::string> split_list(const std::string& flag, const std::string& text) {
  if (text.empty()) throw InputError(flag + ": empty value");
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (items.back().empty()) throw InputError(fmt::format("{}: empty item in the list '{}'", flag, text));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::vector<std::uint64_t> parse_whole_list(const std::string& flag, const std::string& text, std::uint64_t min,
                                            std::uint64_t max) {
  std::vector<std::uint64_t> values;
  for (const auto& item : split_list(flag, text)) {
    const std::uint64_t v = parse_whole(flag, item, min, max);
    for (auto seen : values)
      if (seen == v) throw InputError(fmt::format("{}: {} appears twice in '{}'", flag, v, text));
    values.push_back(v);
  }
  return values;
}

std::vector<double> parse_beta_values(const std::string& flag, const std::string& text) {
  std::vector<double> values;
  for (const auto& item : split_list(flag, text)) {
    const double v = parse_real(flag, item);
    if (!std::isfinite(v) || v < 0)
      throw InputError(fmt::format("{}: every value must be finite and >= 0 (got {})", flag, item));
    for (double seen : values)
      if (seen == v) throw InputError(fmt::format("{}: {} appears twice in '{}'", flag, item, text));
    values.push_back(v);
  }
  return values;
}

}  // namespace attnlim
