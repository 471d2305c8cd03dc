#include <cmath>
#include <cstdlib>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/keys/model.hpp"

namespace attnlim {

KeyParams KeyParams::parse(const std::string& spec) {
  KeyParams p;
  p.spec_ = spec;
  if (spec.empty()) throw InputError("keys", "empty value");
  const std::size_t colon = spec.find(':');
  p.name_ = spec.substr(0, colon);
  if (p.name_.empty()) throw InputError("keys", fmt::format("'{}' has no model name before ':'", spec));
  p.has_colon_ = colon != std::string::npos;
  if (p.has_colon_) p.rest_ = spec.substr(colon + 1);
  if (p.has_colon_ && p.rest_.empty()) throw InputError("keys", fmt::format("'{}' has ':' but no parameters", spec));
  return p;
}

std::string KeyParams::take_rest() {
  rest_taken_ = true;
  return rest_;
}

void KeyParams::split_pairs() {
  if (split_) return;
  split_ = true;
  if (!has_colon_) return;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = rest_.find(',', start);
    const std::string item = rest_.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t eq = item.find('=');
    if (item.empty() || eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw InputError("keys", fmt::format("'{}': expected NAME:KEY=VALUE,... (got the item '{}')", spec_, item));
    const std::string key = item.substr(0, eq);
    for (const auto& kv : values_)
      if (kv.first == key) throw InputError("keys", fmt::format("'{}': the parameter {} is given twice", spec_, key));
    values_.emplace_back(key, item.substr(eq + 1));
    used_.push_back(false);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

const std::string* KeyParams::find(const std::string& key) {
  split_pairs();
  for (std::size_t i = 0; i < values_.size(); ++i)
    if (values_[i].first == key) {
      used_[i] = true;
      return &values_[i].second;
    }
  return nullptr;
}

double KeyParams::real(const std::string& key) {
  const std::string* text = find(key);
  if (!text) throw InputError("keys", fmt::format("'{}': {} needs the parameter {}", spec_, name_, key));
  char* end = nullptr;
  const double v = std::strtod(text->c_str(), &end);
  if (end != text->c_str() + text->size() || !std::isfinite(v))
    throw InputError("keys", fmt::format("'{}': {} must be a finite number (got '{}')", spec_, key, *text));
  return v;
}

double KeyParams::real(const std::string& key, double fallback) {
  split_pairs();
  for (const auto& kv : values_)
    if (kv.first == key) return real(key);
  return fallback;
}

long long KeyParams::whole(const std::string& key, long long min, long long max) {
  const double v = real(key);
  if (v != std::floor(v) || v < static_cast<double>(min) || v > static_cast<double>(max))
    throw InputError("keys", fmt::format("'{}': {} must be a whole number from {} to {} (got {})", spec_, key, min, max,
                                         *find(key)));
  return static_cast<long long>(v);
}

void KeyParams::finish() {
  if (rest_taken_) return;
  split_pairs();
  for (std::size_t i = 0; i < values_.size(); ++i)
    if (!used_[i])
      throw InputError("keys", fmt::format("'{}': {} has no parameter '{}'", spec_, name_, values_[i].first));
}

}  // namespace attnlim
