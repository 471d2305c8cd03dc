#include "attnlim/sweep.hpp"

#include <unistd.h>

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
  std::stringstream list(text.substr(colon + 1));
  std::string item;
  while (std::getline(list, item, ',')) {
    std::size_t used = 0;
    double v = std::nan("");
    try {
      v = std::stod(item, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != item.size()) throw InputError("--beta-spec: '" + item + "' is not a number in '" + text + "'");
    if (!std::isfinite(v) || v < 0) throw InputError("--beta-spec: values must be finite and >= 0 (got '" + item + "')");
    spec.values.push_back(v);
  }
  if (spec.values.empty()) throw InputError("--beta-spec: empty value list in '" + text + "'");
  return spec;
}

void validate(const SweepConfig& c) {
  if (c.ds.empty()) throw InputError("--d: the list is empty");
  for (int d : c.ds)
    if (d < 2) throw InputError(fmt::format("--d: every d must be at least 2 (got {})", d));
  if (c.ns.empty()) throw InputError("--n: the grid is empty");
  for (auto n : c.ns)
    if (n < 1) throw InputError("--n: every n must be at least 1");
  if (c.specs.empty()) throw InputError("--beta-spec: at least one is needed");
  std::size_t total = 0;
  for (const auto& s : c.specs) total += s.values.size();
  if (total > static_cast<std::size_t>(kMaxBetas))
    throw InputError(fmt::format("--beta-spec: at most {} betas per point in all (got {})", kMaxBetas, total));
  if (c.trials < 1) throw InputError("--trials: must be at least 1");
  if (c.top_k < 0 || c.top_k > kMaxTopK) throw InputError(fmt::format("--top-k: must be between 0 and {}", kMaxTopK));
  for (auto n : c.ns)
    if (static_cast<std::uint64_t>(c.top_k) > n)
      throw InputError(fmt::format("--top-k: must not exceed the smallest n (k = {} > n = {})", c.top_k, n));
  if (c.out.empty()) throw InputError("--out: a file prefix is required");
  check_output_path("--out", c.out + ".jsonl");
}

nlohmann::json sweep_fingerprint(const SweepConfig& c) {
  std::vector<std::string> specs;
  for (const auto& s : c.specs) specs.push_back(s.text);
  return {{"trials", c.trials}, {"seed", c.seed}, {"top_k", c.top_k}, {"sampler", sampler_name(c.sampler)},
          {"beta_specs", specs}};
}

namespace {

// Reads finished records; drops (and removes from the file, atomically) a torn last line.
std::vector<nlohmann::json> read_records(const std::string& path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  if (!in) return records;
  std::string line, kept;
  bool torn = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      records.push_back(nlohmann::json::parse(line));
      kept += line + "\n";
    } catch (const nlohmann::json::parse_error&) {
      if (in.peek() != EOF) throw std::runtime_error(path + ": a record in the middle of the file is unreadable");
      torn = true;  // killed while appending: that point was not finished
    }
  }
  if (torn) write_file_atomic(path, kept);
  return records;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  const long s = std::lround(seconds);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

}  // namespace

std::string sweep_csv(const std::vector<nlohmann::json>& records) {
  std::string s = "d,n,beta_spec,beta_value,beta";
  for (int k = 0; k < o_radial; ++k) s += fmt::format(",{0}_mean,{0}_stderr", kObservableNames[k]);
  s += "\n";
  for (const auto& r : records)
    for (const auto& e : r["results"]) {
      s += fmt::format("{},{},{},{:.17g},{:.17g}", r["d"].get<int>(), r["n"].get<std::uint64_t>(),
                       e["beta_spec"].get<std::string>(), e["beta_value"].get<double>(), e["beta"].get<double>());
      for (int k = 0; k < o_radial; ++k) {
        const auto& o = e["observables"][kObservableNames[k]];
        s += fmt::format(",{:.17g},{:.17g}", o["mean"].get<double>(), o["stderr"].get<double>());
      }
      s += "\n";
    }
  return s;
}

SweepReport run_sweep(const SweepConfig& c, const std::function<void(const std::string&)>& progress) {
  validate(c);
  const std::string jsonl = c.out + ".jsonl", csv = c.out + ".csv";
  const nlohmann::json fingerprint = sweep_fingerprint(c);
  std::vector<nlohmann::json> records = read_records(jsonl);
  std::set<std::pair<int, std::uint64_t>> done;
  for (const auto& r : records) {
    if (r.value("sweep", nlohmann::json()) != fingerprint)
      throw InputError("--out: " + jsonl + " holds points of a sweep with another configuration (" +
                       r.value("sweep", nlohmann::json()).dump() + "); choose another --out or remove it");
    done.insert({r["d"].get<int>(), r["n"].get<std::uint64_t>()});
  }
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
      sim.top_k = c.top_k;
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
