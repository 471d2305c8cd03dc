// The theory driver: every prediction of THEORY.md that the given arguments determine, as JSON and as the
// rows of a readable table (the CLI's `attnlim theory` prints them; Python gets the JSON).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace attnlim {

struct TheoryRequest {
  int d = 0;
  std::string keys = "uniform";  // --keys SPEC: the local law comes from the model
  std::optional<double> beta, n, lambda, target;
  std::string observable = "ipr";
  std::uint64_t trials = 4000;       // critical-law sampler trials (w_max)
  std::uint64_t seed = 0x5eed5eedULL;  // its seed
};
// Throws InputError naming the field.
void validate(const TheoryRequest& request);

struct TheoryReport {
  nlohmann::json json;  // values that overflow a double are null and listed in "not_representable"
  std::string table;
};
TheoryReport theory_report(const TheoryRequest& request);

// What the table's rows mean and which arguments print them (the CLI's --help footer).
extern const char* const kTheoryReportHelp;

}  // namespace attnlim
