#include "attnlim/sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/core.h>

#include "attnlim/critical.hpp"
#include "attnlim/errors.hpp"
#include "attnlim/io.hpp"

namespace attnlim {

BetaSpec parse_beta_spec(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size())
    throw InputError("--beta-spec: expected SCALE:V1,V2,... (e.g. critical:0.5,1,2), got '" + text + "'");
  BetaSpec spec;
  spec.text = text;
  try {
    spec.scale = parse_beta_scale(text.substr(0, colon));
  } catch (const InputError& e) {
    throw InputError(std::string("--beta-spec: ") + e.what());
  }
  spec.values = parse_beta_values("--beta-spec", text.substr(colon + 1));
  return spec;
}

void validate(const SweepConfig& c) {
  if (c.ds.empty()) throw InputError("--d: the list is empty");
  for (std::size_t i = 0; i < c.ds.size(); ++i) {
    if (c.ds[i] < 2 || c.ds[i] > kMaxDimension)
      throw InputError(fmt::format("--d: every d must be between 2 and {} (got {})", kMaxDimension, c.ds[i]));
    if (std::find(c.ds.begin(), c.ds.begin() + i, c.ds[i]) != c.ds.begin() + i)
      throw InputError(fmt::format("--d: {} appears twice", c.ds[i]));
  }
  if (c.ns.empty()) throw InputError("--n: the grid is empty");
  for (std::size_t i = 0; i < c.ns.size(); ++i) {
    if (c.ns[i] < 1 || c.ns[i] > kMaxKeys)
      throw InputError(fmt::format("--n: every n must be between 1 and {} (got {})", kMaxKeys, c.ns[i]));
    if (std::find(c.ns.begin(), c.ns.begin() + i, c.ns[i]) != c.ns.begin() + i)
      throw InputError(fmt::format("--n: {} appears twice", c.ns[i]));
  }
  if (c.specs.empty()) throw InputError("--beta-spec: at least one is needed");
  std::size_t total = 0;
  std::set<std::pair<std::string, double>> seen;
  for (const auto& s : c.specs) {
    total += s.values.size();
    for (double v : s.values)
      if (!seen.insert({s.scale.name(), v}).second)
        throw InputError(fmt::format("--beta-spec: {}:{} appears twice", s.scale.name(), v));
  }
  if (total > static_cast<std::size_t>(kMaxBetas))
    throw InputError(fmt::format("--beta-spec: at most {} betas per point in all (got {})", kMaxBetas, total));
  for (int d : c.ds)
    for (auto n : c.ns)
      for (const auto& s : c.specs)
        for (double v : s.values)
          if (!std::isfinite(absolute_beta(s.scale, v, d, static_cast<double>(n))))
            throw InputError(fmt::format("--beta-spec: '{}' gives an infinite beta at d = {}, n = {}", s.text, d, n));
  if (c.trials < 1 || c.trials > kMaxTrials)
    throw InputError(fmt::format("--trials: must be between 1 and {} (got {})", kMaxTrials, c.trials));
  if (c.top_k < 0 || c.top_k > kMaxTopK) throw InputError(fmt::format("--top-k: must be between 0 and {}", kMaxTopK));
  if (!c.clamp_top_k)
    for (auto n : c.ns)
      if (static_cast<std::uint64_t>(c.top_k) > n)
        throw InputError(fmt::format("--top-k: must not exceed the smallest n (k = {} > n = {})", c.top_k, n));
  if (c.threads < 0 || c.threads > kMaxThreads)
    throw InputError(fmt::format("--threads: must be between 0 and {} (got {})", kMaxThreads, c.threads));
  if (c.out.empty()) throw InputError("--out: empty path");
  const std::string name = std::filesystem::path(c.out).filename().string();
  if (name.empty() || name == "." || name == "..")
    throw InputError(fmt::format("--out: the prefix '{}' has no file name part (it would write '{}.jsonl')", c.out, c.out));
  check_output_paths({{"--out", c.out + ".jsonl"}, {"--out", c.out + ".csv"}});
}

nlohmann::json sweep_fingerprint(const SweepConfig& c) {
  std::vector<std::string> specs;
  for (const auto& s : c.specs) specs.push_back(s.text);
  return {{"trials", c.trials}, {"seed", c.seed}, {"top_k", c.top_k}, {"sampler", sampler_name(c.sampler)},
          {"beta_specs", specs}};
}

namespace {

// Why `r` is not a record that sweep_csv can read ("" when it is one).
std::string record_problem(const nlohmann::json& r) {
  if (!r.is_object()) return "not a JSON object";
  if (!r.contains("sweep") || !r["sweep"].is_object()) return "no 'sweep' object";
  if (!r.contains("d") || !r["d"].is_number_integer() || r["d"].get<long long>() < 2 ||
      r["d"].get<long long>() > kMaxDimension)
    return "no integer 'd'";
  if (!r.contains("n") || !r["n"].is_number_unsigned() || r["n"].get<std::uint64_t>() < 1) return "no integer 'n'";
  if (!r.contains("results") || !r["results"].is_array()) return "no 'results' list";
  for (const auto& e : r["results"]) {
    if (!e.is_object() || !e.contains("beta_spec") || !e["beta_spec"].is_string() || !e.contains("beta_value") ||
        !e["beta_value"].is_number() || !e.contains("beta") || !e["beta"].is_number() || !e.contains("observables") ||
        !e["observables"].is_object())
      return "a result lacks beta_spec, beta_value, beta or observables";
    for (int k = 0; k < o_radial; ++k) {
      const auto it = e["observables"].find(kObservableNames[k]);
      if (it == e["observables"].end() || !it->is_object()) return std::string("a result lacks ") + kObservableNames[k];
      for (const char* field : {"mean", "stderr"})
        if (!it->contains(field) || !((*it)[field].is_number() || (*it)[field].is_null()))
          return fmt::format("a result lacks {}.{}", kObservableNames[k], field);
    }
  }
  return "";
}

// The records of a sweep's JSON-lines file, every line checked before anything is changed.
struct RecordFile {
  std::vector<nlohmann::json> records;
  std::string kept;   // the file without its torn last line
  bool torn = false;  // an unterminated last line: a kill during an append
};

// Only an unterminated last line that starts like a record is torn (one write() per record, so a
// kill can cut a record short but never leaves its newline without it); every complete line must be
// a record, and anything else is refused (exit 2) with the file untouched.
RecordFile read_records(const std::string& path) {
  RecordFile file;
  std::ifstream in(path, std::ios::binary);
  if (!in) return file;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const auto refuse = [&](int line, const std::string& why) {
    return InputError(fmt::format("--out: {} line {} is not a record of attnlim sweep ({}); fix or remove it, or choose "
                                  "another --out", path, line, why));
  };
  std::size_t pos = 0;
  for (int line = 1; pos < text.size(); ++line) {
    const std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      if (text[pos] != '{') throw refuse(line, "an unterminated line that is not a cut-off record");
      file.torn = true;
      break;
    }
    const std::string content = text.substr(pos, end - pos);
    pos = end + 1;
    file.kept += content + "\n";
    if (content.empty()) continue;
    nlohmann::json r = nlohmann::json::parse(content, nullptr, false);
    if (r.is_discarded()) throw refuse(line, "not JSON");
    const std::string why = record_problem(r);
    if (!why.empty()) throw refuse(line, why);
    file.records.push_back(std::move(r));
  }
  return file;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  const long s = std::lround(seconds);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

// A number of a record; null (how JSON stores a NaN, e.g. the stderr of one trial) reads as nan.
double number_of(const nlohmann::json& v) { return v.is_null() ? std::nan("") : v.get<double>(); }

}  // namespace

std::string sweep_csv(const std::vector<nlohmann::json>& records) {
  std::string s = "d,n,beta_spec,beta_value,beta";
  for (int k = 0; k < o_radial; ++k) s += fmt::format(",{0}_mean,{0}_stderr", kObservableNames[k]);
  s += "\n";
  for (const auto& r : records)
    for (const auto& e : r["results"]) {
      s += fmt::format("{},{},{},{:.17g},{:.17g}", r["d"].get<int>(), r["n"].get<std::uint64_t>(),
                       e["beta_spec"].get<std::string>(), number_of(e["beta_value"]), number_of(e["beta"]));
      for (int k = 0; k < o_radial; ++k) {
        const auto& o = e["observables"][kObservableNames[k]];
        s += fmt::format(",{:.17g},{:.17g}", number_of(o["mean"]), number_of(o["stderr"]));
      }
      s += "\n";
    }
  return s;
}

SweepReport run_sweep(const SweepConfig& c, const std::function<void(const std::string&)>& progress) {
  validate(c);
  const std::string jsonl = c.out + ".jsonl", csv = c.out + ".csv";
  const nlohmann::json fingerprint = sweep_fingerprint(c);
  RecordFile file = read_records(jsonl);
  std::vector<nlohmann::json>& records = file.records;
  std::set<std::pair<int, std::uint64_t>> done;
  for (const auto& r : records) {
    if (r["sweep"] != fingerprint)
      throw InputError("--out: " + jsonl + " holds points of a sweep with another configuration (" + r["sweep"].dump() +
                       "); choose another --out or remove it");
    done.insert({r["d"].get<int>(), r["n"].get<std::uint64_t>()});
  }
  // Everything is checked: the run goes ahead, and only now may files change.
  if (file.torn) write_file_atomic(jsonl, file.kept);
  SweepReport report;
  double keys_left = 0, keys_done = 0, seconds_done = 0;
  for (int d : c.ds)
    for (auto n : c.ns) {
      ++report.points_total;
      if (!done.count({d, n})) keys_left += static_cast<double>(n) * c.trials;
    }
  int index = 0;
  for (int d : c.ds)
    for (auto n : c.ns) {
      ++index;
      if (done.count({d, n})) {
        ++report.points_skipped;
        continue;
      }
      SimConfig sim;
      sim.d = d;
      sim.n = n;
      sim.trials = c.trials;
      sim.top_k = c.clamp_top_k ? static_cast<int>(std::min<std::uint64_t>(c.top_k, n)) : c.top_k;
      sim.seed = point_seed(c.seed, d, n);
      sim.sampler = c.sampler;
      sim.threads = c.threads;
      std::vector<double> values;
      std::vector<std::string> labels;
      for (const auto& spec : c.specs)
        for (double v : spec.values) {
          sim.betas.push_back(absolute_beta(spec.scale, v, d, static_cast<double>(n)));
          values.push_back(v);
          labels.push_back(spec.scale.name());
        }
      const SimulationResult r = simulate(sim, c.backend, BetaScale{}, values);
      nlohmann::json rec = {{"sweep", fingerprint}, {"d", d}, {"n", n}, {"seed", sim.seed},
                            {"backend", r.backend}, {"seconds", r.seconds}, {"keys_per_second", r.keys_per_second}};
      rec["results"] = nlohmann::json::array();
      const nlohmann::json full = to_json(r);
      for (std::size_t b = 0; b < sim.betas.size(); ++b) {
        nlohmann::json e = full["results"][b];
        e["beta_spec"] = labels[b];
        rec["results"].push_back(e);
      }
      append_record_durable(jsonl, rec.dump() + "\n");
      records.push_back(rec);
      write_file_atomic(csv, sweep_csv(records));
      ++report.points_run;
      keys_done += static_cast<double>(n) * c.trials;
      seconds_done += r.seconds;
      const double rate = keys_done / std::max(seconds_done, 1e-9);
      if (progress)
        progress(fmt::format("[{}/{}] d={} n={}: {:.3g} keys/s, ETA {}", index, report.points_total, d, n, rate,
                             format_duration((keys_left - keys_done) / rate)));
    }
  // Also (re)write the CSV when everything was already done, so it always matches the records.
  if (report.points_run == 0) write_file_atomic(csv, sweep_csv(records));
  return report;
}

}  // namespace attnlim
