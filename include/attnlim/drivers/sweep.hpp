// Resumable sweeps over (d, n) with several beta specifications evaluated in one pass per point.
// Every finished point is appended at once (one durable line) to PREFIX.jsonl, the source of truth;
// PREFIX.csv is regenerated atomically from it after each point. Re-running the same command skips
// finished points; a killed run loses at most the point in flight; per-point seeds make results
// identical whether a sweep ran in one go or was interrupted and resumed. Only an unterminated last
// line is a torn append (dropped on resume); any other line that is not a record is refused, and
// nothing is changed until the configuration and every record have been checked.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/drivers/beta_scale.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/io/progress.hpp"
#include "attnlim/keys/tiers.hpp"

namespace attnlim {

struct SweepConfig {
  std::vector<int> ds;
  std::vector<std::uint64_t> ns;
  std::vector<BetaSpec> specs;
  std::string keys = "uniform";  // --keys SPEC, bound to each d
  std::uint64_t trials = 100;
  std::uint64_t seed = 1;
  int top_k = kDefaultTopK;
  bool clamp_top_k = false;  // true: each point keeps min(top_k, n) keys (the CLI when --top-k is not given)
  SamplerTier sampler = SamplerTier::projected;
  std::string out;  // prefix: out + ".jsonl", out + ".csv"
  // --store-trials: each record also keeps the per-trial values of ipr, w_max, entropy (per beta) and e_min,
  // so that analyze can bootstrap beta* exactly as critical does.
  bool store_trials = false;
  // --shard I/N (shard = I - 1): the (d, n) points are dealt round-robin, point k (d-major order, from 0) to
  // shard k mod N; the shard writes PREFIX.shard-I-of-N.jsonl/.csv with the same per-point seeds.
  int shard = 0, shards = 1;
  std::string prefix() const;  // out, or out + ".shard-I-of-N"
};
// "I/N" with 1 <= I <= N <= 10000; throws InputError naming `shard`.
std::pair<int, int> parse_shard(const std::string& text);
// Throws InputError naming the field; also checks both outputs (PREFIX.jsonl, PREFIX.csv) and that the
// prefix has a file name part.
void validate(const SweepConfig& config);

// What makes two points comparable (resume refuses to mix different ones).
nlohmann::json sweep_fingerprint(const SweepConfig& config);

struct SweepReport {
  int points_total = 0, points_skipped = 0, points_run = 0;
};
// `progress` (may be empty) hears the keys done of all points still to run.
SweepReport run_sweep(Engine& engine, const SweepConfig& config, const ProgressCallback& progress = {});

}  // namespace attnlim
