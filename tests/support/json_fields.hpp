// A JSON result without the fields that differ between two runs of the same computation (time, rates, the
// device), so that results can be compared whole.
#pragma once
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace attnlim_test {

inline nlohmann::json strip_fields(const nlohmann::json& j, const std::set<std::string>& fields) {
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!fields.count(it.key())) out[it.key()] = strip_fields(it.value(), fields);
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : j) out.push_back(strip_fields(e, fields));
    return out;
  }
  return j;
}

}  // namespace attnlim_test
