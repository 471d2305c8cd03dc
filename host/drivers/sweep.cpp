#include "attnlim/drivers/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/grid.hpp"
#include "attnlim/drivers/simulate.hpp"
#include "attnlim/drivers/sweep_records.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"

namespace attnlim {

std::string SweepConfig::prefix() const {
  return shards == 1 ? out : fmt::format("{}.shard-{}-of-{}", out, shard + 1, shards);
}

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw InputError("shard", fmt::format("expected I/N, e.g. 2/8 (got '{}')", text));
  const auto n = static_cast<int>(parse_whole("shard", text.substr(slash + 1), 1, 10000));
  const auto i = static_cast<int>(parse_whole("shard", text.substr(0, slash), 1, static_cast<std::uint64_t>(n)));
  return {i - 1, n};
}

void validate(const SweepConfig& c) {
  if (c.ds.empty()) throw InputError("d", "the list is empty");
  for (std::size_t i = 0; i < c.ds.size(); ++i) {
    if (c.ds[i] < 2 || c.ds[i] > kMaxDimension)
      throw InputError("d", fmt::format("every d must be between 2 and {} (got {})", kMaxDimension, c.ds[i]));
    if (std::find(c.ds.begin(), c.ds.begin() + i, c.ds[i]) != c.ds.begin() + i)
      throw InputError("d", fmt::format("{} appears twice", c.ds[i]));
  }
  for (int d : c.ds) {
    const AnyKeyModel model = parse_key_model(c.keys, d);
    std::string why;
    if (!supports_tier(model, c.sampler, &why)) throw InputError("keys", why);
  }
  if (c.ns.empty()) throw InputError("n", "the grid is empty");
  for (std::size_t i = 0; i < c.ns.size(); ++i) {
    if (c.ns[i] < 1 || c.ns[i] > kMaxKeys)
      throw InputError("n", fmt::format("every n must be between 1 and {} (got {})", kMaxKeys, c.ns[i]));
    if (std::find(c.ns.begin(), c.ns.begin() + i, c.ns[i]) != c.ns.begin() + i)
      throw InputError("n", fmt::format("{} appears twice", c.ns[i]));
  }
  if (c.specs.empty()) throw InputError("beta_spec", "at least one is needed");
  std::size_t total = 0;
  std::set<std::pair<std::string, double>> seen;
  for (const auto& s : c.specs) {
    total += s.values.size();
    for (double v : s.values)
      if (!seen.insert({s.scale.name(), v}).second)
        throw InputError("beta_spec", fmt::format("{}:{} appears twice", s.scale.name(), v));
  }
  if (total > static_cast<std::size_t>(kMaxBetas))
    throw InputError("beta_spec", fmt::format("at most {} betas per point in all (got {})", kMaxBetas, total));
  for (int d : c.ds) {
    const AnyKeyModel model = parse_key_model(c.keys, d);
    for (auto n : c.ns)
      for (const auto& s : c.specs)
        for (double v : s.values)
          if (!std::isfinite(absolute_beta(s.scale, v, model, KeyCount::exact(n))))
            throw InputError("beta_spec", fmt::format("'{}' gives an infinite beta at d = {}, n = {}", s.text, d, n));
  }
  if (c.trials < 1 || c.trials > kMaxTrials)
    throw InputError("trials", fmt::format("must be between 1 and {} (got {})", kMaxTrials, c.trials));
  if (c.top_k < 0 || c.top_k > kMaxTopK) throw InputError("top_k", fmt::format("must be between 0 and {}", kMaxTopK));
  if (!c.clamp_top_k)
    for (auto n : c.ns)
      if (static_cast<std::uint64_t>(c.top_k) > n)
        throw InputError("top_k", fmt::format("must not exceed the smallest n (k = {} > n = {})", c.top_k, n));
  if (c.out.empty()) throw InputError("out", "empty path");
  const std::string name = std::filesystem::path(c.out).filename().string();
  if (name.empty() || name == "." || name == "..")
    throw InputError("out", fmt::format("the prefix '{}' has no file name part (it would write '{}.jsonl')", c.out, c.out));
  if (c.shards < 1 || c.shard < 0 || c.shard >= c.shards) throw InputError("shard", "I/N needs 1 <= I <= N");
  check_output_paths({{"out", c.prefix() + ".jsonl"}, {"out", c.prefix() + ".csv"}});
}

nlohmann::json sweep_fingerprint(const SweepConfig& c) {
  std::vector<std::string> specs;
  for (const auto& s : c.specs) specs.push_back(s.text);
  return {{"trials", c.trials},
          {"seed", c.seed},
          {"top_k", c.top_k},
          {"sampler", sampler_name(c.sampler)},
          {"keys", describe(parse_key_model(c.keys, c.ds.front()))},
          {"beta_specs", specs}};
}

namespace {
nlohmann::json fingerprint_with_storage(const SweepConfig& c) {
  nlohmann::json f = sweep_fingerprint(c);
  if (c.store_trials) f["store_trials"] = true;  // absent otherwise: files from before --store-trials resume
  return f;
}
}  // namespace

namespace {

// The spec of one point: every beta of every spec, in order, with its value and scale name.
struct Point {
  RunSpec spec;
  std::vector<double> values;
  std::vector<std::string> labels;
};

// --store-trials: ipr, w_max and entropy per beta and trial, e_min per trial (sweep_records.hpp).
nlohmann::json stored_trial_values(const SimulationResult& r) {
  nlohmann::json out = {{"encoding", "base64 float64 little-endian; ipr, w_max, entropy: [beta][trial]; e_min: [trial]"},
                        {"trials", r.states.size()},
                        {"betas", r.spec.betas.size()}};
  for (const std::string& name : kStoredObservables) {
    const Observable o = *observable_from_name(name);
    std::vector<double> block;
    const std::size_t rows = name == "e_min" ? 1 : r.spec.betas.size();
    for (std::size_t b = 0; b < rows; ++b)
      for (double v : r.values[b][index_of(o)]) block.push_back(v * std::exp(r.log_unit(o)));
    out[name] = encode_doubles(block);
  }
  return out;
}

Point make_point(const SweepConfig& c, int d, std::uint64_t n) {
  Point p;
  p.spec.keys = parse_key_model(c.keys, d);
  p.spec.n = KeyCount::exact(n);
  p.spec.top_k = c.clamp_top_k ? static_cast<int>(std::min<std::uint64_t>(c.top_k, n)) : c.top_k;
  p.spec.seed = point_seed(c.seed, d, n);
  p.spec.tier = c.sampler;
  for (const auto& s : c.specs)
    for (double v : s.values) {
      p.spec.betas.push_back(absolute_beta(s.scale, v, p.spec.keys, p.spec.n));
      p.values.push_back(v);
      p.labels.push_back(s.scale.name());
    }
  return p;
}

}  // namespace

SweepReport run_sweep(Engine& engine, const SweepConfig& c, const ProgressCallback& progress) {
  validate(c);
  for (int d : c.ds)  // the engine must take every point before any work is done
    if (auto refused = engine.refusal(make_point(c, d, c.ns.front()).spec)) throw *refused;
  const std::string jsonl = c.prefix() + ".jsonl", csv = c.prefix() + ".csv";
  const nlohmann::json fingerprint = fingerprint_with_storage(c);
  SweepRecords file = read_sweep_records(jsonl);
  std::vector<nlohmann::json>& records = file.records;
  std::set<std::pair<int, std::uint64_t>> done;
  for (const auto& r : records) {
    if (record_fingerprint(r) != fingerprint)
      throw InputError("out", fmt::format("{} holds points of a sweep with another configuration ({}); choose another "
                                          "{} or remove it",
                                          jsonl, r["sweep"].dump(), field_ref("out")));
    done.insert({r["d"].get<int>(), r["n"].get<std::uint64_t>()});
  }
  // Everything is checked: the run goes ahead, and only now may files change.
  if (file.torn) write_file_atomic(jsonl, file.kept);
  SweepReport report;
  double keys_left = 0, keys_done = 0;  // keys_left: of every point still to run
  int dealt = 0;  // point number over the whole grid (d-major), for --shard
  for (int d : c.ds)
    for (auto n : c.ns) {
      if (dealt++ % c.shards != c.shard) continue;
      ++report.points_total;
      if (!done.count({d, n})) keys_left += static_cast<double>(n) * c.trials;
    }
  int index = 0;
  dealt = 0;
  for (int d : c.ds)
    for (auto n : c.ns) {
      if (dealt++ % c.shards != c.shard) continue;
      ++index;
      if (done.count({d, n})) {
        ++report.points_skipped;
        continue;
      }
      const Point point = make_point(c, d, n);
      ProgressCallback point_progress;
      if (progress)
        point_progress = [&](const ProgressUpdate& u) {
          progress(ProgressUpdate{fmt::format("sweep [{}/{}] d={} n={}", index, report.points_total, d, n),
                                  keys_done + u.done, keys_left, "keys"});
        };
      const SimulationResult r = simulate(engine, point.spec, c.trials, BetaScale{}, point.values, point_progress);
      nlohmann::json rec = {{"sweep", fingerprint}, {"d", d},           {"n", n},
                            {"seed", point.spec.seed}, {"backend", r.backend}, {"seconds", r.seconds},
                            {"keys_per_second", r.keys_per_second}};
      rec["results"] = nlohmann::json::array();
      const nlohmann::json full = to_json(r);
      for (std::size_t b = 0; b < point.spec.betas.size(); ++b) {
        nlohmann::json e = full["results"][b];
        e["beta_spec"] = point.labels[b];
        rec["results"].push_back(e);
      }
      if (c.shards > 1) rec["shard"] = fmt::format("{}/{}", c.shard + 1, c.shards);
      if (c.store_trials) rec["trial_values"] = stored_trial_values(r);
      append_record_durable(jsonl, rec.dump() + "\n");
      records.push_back(rec);
      write_file_atomic(csv, sweep_csv(records));
      ++report.points_run;
      keys_done += static_cast<double>(n) * c.trials;
    }
  // Also (re)write the CSV when everything was already done, so it always matches the records.
  if (report.points_run == 0) write_file_atomic(csv, sweep_csv(records));
  return report;
}

}  // namespace attnlim
