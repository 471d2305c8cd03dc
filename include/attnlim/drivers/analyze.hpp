// Offline analysis of stored sweeps (attnlim analyze): read one or many sweep files (shards, reruns), check
// that they are compatible and merge them, then per d and n find beta*(n) where the mean observable crosses
// the target (bootstrap interval from stored trials, else the delta method from means and standard errors),
// and fit the exponent, prefactor and regime with critical's own code (critical.hpp), so both report alike.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/drivers/critical.hpp"

namespace attnlim {

struct AnalyzeConfig {
  std::vector<std::string> inputs;  // sweep prefixes (PREFIX.jsonl and PREFIX.shard-I-of-N.jsonl) or .jsonl paths
  std::string observable = "ipr";
  double target = 0.5;
  int resamples = 400;  // bootstrap resamples (stored trials only)
};
// Throws InputError naming the field (observable, target, bootstrap, inputs).
void validate(const AnalyzeConfig& config);

struct AnalyzeGroup {
  CriticalResult result;              // as critical reports it (points that bracket the target only)
  std::string ci_method;              // "bootstrap" (every point had stored trials), "delta", or "mixed"
  std::vector<std::string> unbracketed;  // points left out: "n = 1000: ..." (never extrapolated)
  bool fitted = false;                // at least 2 points bracket the target
  // verify's collapse data (E[w_max], E[ipr] against lambda per n, and the limit curves), where every point
  // of this d has the same critical-scale lambdas (null otherwise).
  nlohmann::json collapse;
};

struct AnalyzeResult {
  AnalyzeConfig config;
  std::vector<std::string> files;     // every file read, in order
  std::vector<std::string> notes;     // torn last lines dropped, duplicates merged
  std::vector<AnalyzeGroup> groups;   // one per d, ascending
};

// Reads, checks and merges every input, then analyses. Refuses (InputError naming `PREFIX`, with the file
// and line) a missing input, a line that is not a sweep record, records of another key model or sampler
// than the first file's, a record without the observable, and a (d, n) point found twice with different
// results. Writes nothing.
AnalyzeResult run_analyze(const AnalyzeConfig& config);

nlohmann::json to_json(const AnalyzeResult& result);
std::string to_table(const AnalyzeResult& result);
// verify's files for scripts/figures.py: critical_d<d>.json per group and summary.json (scaling.png), and
// figures.json with the first group's collapse data where it has some (collapse.png).
std::vector<std::pair<std::string, std::string>> figure_files(const AnalyzeResult& result);

}  // namespace attnlim
