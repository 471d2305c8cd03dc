#include "attnlim/drivers/analyze.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/analysis/crossing.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/grid.hpp"
#include "attnlim/drivers/sweep_records.hpp"
#include "attnlim/drivers/verify.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/state/observables.hpp"
#include "attnlim/theory/critical.hpp"

namespace attnlim {

void validate(const AnalyzeConfig& c) {
  if (c.inputs.empty()) throw InputError("PREFIX", "give at least one sweep PREFIX or .jsonl file");
  const auto obs = observable_from_name(c.observable);
  if (obs != Observable::ipr && obs != Observable::w_max && obs != Observable::entropy)
    throw InputError("observable", "must be ipr, w_max or entropy (got '" + c.observable + "')");
  if (!std::isfinite(c.target) || (obs == Observable::entropy ? !(c.target > 0) : !(c.target > 0 && c.target < 1)))
    throw InputError("target", fmt::format("must be in {} for {} (got {})", obs == Observable::entropy ? "(0, inf)" : "(0, 1)",
                                           c.observable, c.target));
  if (c.resamples < 20 || c.resamples > kMaxResamples)
    throw InputError("bootstrap", fmt::format("must be between 20 and {} resamples (got {})", kMaxResamples, c.resamples));
}

namespace {

namespace fs = std::filesystem;

// The files of one input: a .jsonl path itself; else PREFIX.jsonl and every PREFIX.shard-I-of-N.jsonl.
std::vector<std::string> input_files(const std::string& input) {
  if (input.size() > 6 && input.substr(input.size() - 6) == ".jsonl") {
    if (!fs::is_regular_file(input)) throw InputError("PREFIX", fmt::format("{}: no such sweep file", input));
    return {input};
  }
  std::vector<std::string> out;
  if (fs::is_regular_file(input + ".jsonl")) out.push_back(input + ".jsonl");
  const fs::path prefix(input);
  const fs::path folder = prefix.has_parent_path() ? prefix.parent_path() : fs::path(".");
  const std::regex shard(std::regex_replace(prefix.filename().string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                         R"(\.shard-[0-9]+-of-[0-9]+\.jsonl)");
  std::vector<std::string> shards;
  if (fs::is_directory(folder))
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_regular_file() && std::regex_match(entry.path().filename().string(), shard))
        shards.push_back((folder / entry.path().filename()).string());
  std::sort(shards.begin(), shards.end());
  out.insert(out.end(), shards.begin(), shards.end());
  if (out.empty())
    throw InputError("PREFIX", fmt::format("no sweep file at {0}: expected {0}.jsonl or {0}.shard-I-of-N.jsonl", input));
  return out;
}

// A record's results without what depends on the machine: compared between duplicated points.
nlohmann::json comparable(const nlohmann::json& record) {
  nlohmann::json r = record;
  // Stored trials are extra data about the same simulation: a rerun with --store-trials repeats one without.
  for (const char* key : {"seconds", "keys_per_second", "trials_per_second", "backend", "shard", "trial_values"})
    r.erase(key);
  if (r.contains("sweep")) r["sweep"].erase("store_trials");
  for (auto& e : r["results"]) e.erase("keys_per_second");
  return r;
}

struct Located {
  nlohmann::json record;
  std::string file;
  int line = 0;
};

// One (d, n) point's curve: betas ascending (a beta given by two specs once) with means, standard errors and,
// where stored, per-trial values [trial][beta].
struct Curve {
  std::vector<double> log_betas, betas, means, stderrs;
  std::vector<std::vector<double>> per_trial;
  double log_mean_e_min = std::nan("");
};

Curve read_curve(const Located& at, const std::string& observable, bool negate) {
  const nlohmann::json& rec = at.record;
  const auto refuse = [&](const std::string& why) {
    return InputError("PREFIX", fmt::format("{} line {}: {}", at.file, at.line, why));
  };
  if (!rec.contains("results") || !rec["results"].is_array() || rec["results"].empty())
    throw refuse("the record has no results");
  std::vector<std::vector<double>> stored;  // [beta][trial]
  if (rec.contains("trial_values")) {
    try {
      const std::vector<double> flat = decode_doubles(rec["trial_values"].at(observable).get<std::string>());
      const std::size_t betas = rec["results"].size();
      if (betas == 0 || flat.size() % betas != 0) throw std::invalid_argument("its size is not betas x trials");
      const std::size_t trials = flat.size() / betas;
      for (std::size_t b = 0; b < betas; ++b) stored.emplace_back(flat.begin() + b * trials, flat.begin() + (b + 1) * trials);
    } catch (const std::exception& e) {
      throw refuse(fmt::format("its stored trial values of {} cannot be read ({})", observable, e.what()));
    }
  }
  struct Entry {
    double beta, mean, stderr_;
    std::size_t index;
  };
  std::vector<Entry> entries;
  for (std::size_t b = 0; b < rec["results"].size(); ++b) {
    const nlohmann::json& e = rec["results"][b];
    if (!e.contains("beta") || !e["beta"].is_number() || !e.contains("observables") ||
        !e["observables"].contains(observable) || !e["observables"][observable].contains("mean") ||
        !e["observables"][observable]["mean"].is_number())
      throw refuse(fmt::format("result {} has no beta or no {} mean", b, observable));
    entries.push_back({e["beta"].get<double>(), e["observables"][observable]["mean"].get<double>(),
                       e["observables"][observable].value("stderr", 0.0), b});
  }
  // The nearest distance does not depend on beta: any result's mean E_(1) is the point's.
  const nlohmann::json& first = rec["results"][0]["observables"];
  Curve c;
  if (first.contains("e_min") && first["e_min"].contains("mean") && first["e_min"]["mean"].is_number() &&
      first["e_min"]["mean"].get<double>() > 0)
    c.log_mean_e_min = std::log(first["e_min"]["mean"].get<double>());
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.beta < b.beta; });
  std::vector<std::size_t> kept;
  for (const Entry& e : entries) {
    if (!(e.beta > 0) || (!c.betas.empty() && e.beta == c.betas.back())) continue;  // beta 0 has no log
    c.betas.push_back(e.beta);
    c.log_betas.push_back(std::log(e.beta));
    c.means.push_back(negate ? -e.mean : e.mean);
    c.stderrs.push_back(e.stderr_);
    kept.push_back(e.index);
  }
  if (!stored.empty()) {
    const std::size_t trials = stored.front().size();
    c.per_trial.assign(trials, std::vector<double>(kept.size()));
    for (std::size_t t = 0; t < trials; ++t)
      for (std::size_t k = 0; k < kept.size(); ++k) c.per_trial[t][k] = negate ? -stored[kept[k]][t] : stored[kept[k]][t];
  }
  return c;
}

// The collapse figure's data from the points' critical-scale results, where every point has the same lambdas.
nlohmann::json collapse_of(const std::vector<const Located*>& located, const AnyKeyModel& model) {
  std::vector<double> lambdas;
  nlohmann::json series = nlohmann::json::array();
  for (const Located* at : located) {
    std::vector<double> mine;
    nlohmann::json s = {{"n", at->record["n"]}};
    std::vector<double> w, wse, p, pse;
    for (const auto& e : at->record["results"]) {
      if (e.value("beta_spec", std::string()) != "critical") continue;
      mine.push_back(e["beta_value"].get<double>());
      w.push_back(e["observables"]["w_max"]["mean"].get<double>());
      wse.push_back(e["observables"]["w_max"].value("stderr", 0.0));
      p.push_back(e["observables"]["ipr"]["mean"].get<double>());
      pse.push_back(e["observables"]["ipr"].value("stderr", 0.0));
    }
    if (mine.size() < 2 || (!lambdas.empty() && mine != lambdas)) return nullptr;
    lambdas = mine;
    s["w_max"] = {{"mean", w}, {"stderr", wse}};
    s["ipr"] = {{"mean", p}, {"stderr", pse}};
    series.push_back(s);
  }
  return {{"d", dimension(model)}, {"keys", describe(model)}, {"lambda", lambdas}, {"series", series}};
}

// The limit curves of the collapse figure (the exact sampler: seconds), only when figures are asked for.
nlohmann::json with_limit(nlohmann::json collapse) {
  const AnyKeyModel model = parse_key_model(collapse["keys"].get<std::string>(), collapse["d"].get<int>());
  const double a = local_law(model).a;
  std::vector<double> ipr_limit, wmax_limit, wmax_se;
  for (double l : collapse["lambda"].get<std::vector<double>>()) {
    ipr_limit.push_back(theory::critical_ipr(a, l));
    theory::CriticalSamplerOptions options;
    options.trials = 2000;
    const theory::CriticalSample sample = theory::sample_critical(a, l, options);
    wmax_limit.push_back(sample.w_max);
    wmax_se.push_back(sample.w_max_stderr);
  }
  collapse["limit"] = {{"ipr", ipr_limit}, {"w_max", wmax_limit}, {"w_max_stderr", wmax_se}};
  return collapse;
}

}  // namespace

AnalyzeResult run_analyze(const AnalyzeConfig& config) {
  validate(config);
  AnalyzeResult out;
  out.config = config;
  // Read every file, in the order given; a file named twice (a prefix and its .jsonl) is read once.
  std::vector<Located> all;
  std::set<std::string> seen_files;
  for (const std::string& input : config.inputs)
    for (const std::string& file : input_files(input)) {
      if (!seen_files.insert(fs::weakly_canonical(file).string()).second) continue;
      out.files.push_back(file);
      SweepRecords records;
      try {
        records = read_sweep_records(file);
      } catch (const InputError& e) {
        std::string why = e.problem();
        const auto cut = why.find("; fix or remove it");
        if (cut != std::string::npos) why = why.substr(0, cut);
        throw InputError("PREFIX", why);
      }
      if (records.torn) out.notes.push_back(fmt::format("{}: its unterminated last line (a cut-off append) is left out", file));
      for (std::size_t i = 0; i < records.records.size(); ++i) all.push_back({records.records[i], file, static_cast<int>(i) + 1});
    }
  if (all.empty()) throw InputError("PREFIX", "the sweep files hold no finished point");
  // Compatible: the first record's key model and sampler everywhere; each record well formed.
  const auto where = [](const Located& at) { return fmt::format("{} line {}", at.file, at.line); };
  const auto field = [&](const Located& at, const char* name) -> std::string {
    const nlohmann::json& sweep = at.record.contains("sweep") ? at.record["sweep"] : nlohmann::json::object();
    if (!sweep.contains(name)) return std::string(name) == "keys" ? "uniform" : "";
    return sweep[name].get<std::string>();
  };
  for (const Located& at : all)
    if (!at.record.contains("d") || !at.record["d"].is_number_integer() || !at.record.contains("n") ||
        !at.record["n"].is_number_unsigned() || !at.record.contains("sweep") || !at.record["sweep"].contains("seed"))
      throw InputError("PREFIX", fmt::format("{}: the record has no d, n or sweep configuration", where(at)));
  const std::string keys = field(all.front(), "keys"), sampler = field(all.front(), "sampler");
  for (const Located& at : all) {
    if (field(at, "keys") != keys || field(at, "sampler") != sampler)
      throw InputError("PREFIX", fmt::format("{} (keys {}, sampler {}) and {} (keys {}, sampler {}) are different sweeps; "
                                             "analyze them separately",
                                             where(all.front()), keys, sampler, where(at), field(at, "keys"),
                                             field(at, "sampler")));
  }
  // Merge: one record per (d, n); duplicates must be identical (reruns, overlapping shards).
  std::map<std::pair<int, std::uint64_t>, const Located*> points;
  for (const Located& at : all) {
    const std::pair<int, std::uint64_t> key{at.record["d"].get<int>(), at.record["n"].get<std::uint64_t>()};
    const auto found = points.find(key);
    if (found == points.end()) {
      points[key] = &at;
    } else if (comparable(found->second->record) == comparable(at.record)) {
      out.notes.push_back(fmt::format("d = {}, n = {}: {} repeats {} (identical; read once)", key.first, key.second,
                                      where(at), where(*found->second)));
      // Keep the copy with stored trials, if only this one has them.
      if (at.record.contains("trial_values") && !found->second->record.contains("trial_values")) found->second = &at;
    } else {
      throw InputError("PREFIX", fmt::format("d = {}, n = {} is in {} and in {} with different results; keep one of them",
                                             key.first, key.second, where(*found->second), where(at)));
    }
  }
  // Per d: beta*(n) at every point that brackets the target, then critical's fits.
  const Observable obs = *observable_from_name(config.observable);
  const bool negate = obs == Observable::entropy;
  const double target = negate ? -config.target : config.target;
  std::map<int, std::vector<const Located*>> by_d;
  for (const auto& [key, at] : points) by_d[key.first].push_back(at);
  for (const auto& [d, located] : by_d) {
    AnalyzeGroup g;
    CriticalResult& r = g.result;
    const AnyKeyModel model = parse_key_model(keys, d);
    r.config.d = d;
    r.config.keys = keys;
    r.config.observable = config.observable;
    r.config.target = config.target;
    r.config.resamples = config.resamples;
    r.config.sampler = sampler == "full" ? SamplerTier::full : SamplerTier::projected;
    r.config.seed = located.front()->record["sweep"]["seed"].get<std::uint64_t>();
    r.config.trials = located.front()->record["sweep"].value("trials", std::uint64_t{0});
    r.keys = describe(model);
    r.backend = located.front()->record.value("backend", std::string("unknown"));
    r.device = "offline analysis";
    predict_critical(r, model);
    int bootstrapped = 0, delta = 0;
    for (const Located* at : located) {
      const std::uint64_t n = at->record["n"].get<std::uint64_t>();
      const Curve curve = read_curve(*at, config.observable, negate);
      CrossingEstimate est;
      bool stored = !curve.per_trial.empty();
      if (stored) {
        // As critical: the same bootstrap seed for the same base seed, d and n.
        const std::uint64_t seed = at->record["sweep"]["seed"].get<std::uint64_t>();
        est = estimate_crossing(curve.log_betas, curve.per_trial, target, config.resamples,
                                point_seed(seed ^ 0xb007, d, n));
      } else {
        est = delta_crossing(curve.log_betas, curve.means, curve.stderrs, target);
      }
      if (stored && !std::isnan(est.log_beta) &&
          (!std::isfinite(est.se) || est.failed_resamples > config.resamples / 100)) {
        // Too many resamples whose mean curve does not cross inside the grid (critical would widen its grid;
        // stored points cannot): the delta method from the means instead, said so.
        out.notes.push_back(fmt::format("d = {}, n = {}: {} of {} bootstrap resamples do not cross inside the grid; "
                                        "its interval is the delta method's",
                                        d, n, est.failed_resamples, config.resamples));
        est = delta_crossing(curve.log_betas, curve.means, curve.stderrs, target);
        stored = false;
      }
      if (std::isnan(est.log_beta) || curve.means.size() < 2 || !std::isfinite(est.se)) {
        const bool below = curve.means.empty() || curve.means.back() < target;
        g.unbracketed.push_back(fmt::format(
            "d = {}, n = {}: the mean {} stays {} {} for beta in [{:.4g}, {:.4g}] (left out, not extrapolated)", d, n,
            config.observable, below != negate ? "below" : "above", config.target,
            curve.betas.empty() ? 0.0 : curve.betas.front(), curve.betas.empty() ? 0.0 : curve.betas.back()));
        continue;
      }
      (stored ? bootstrapped : delta) += 1;
      CriticalPoint pt;
      pt.n = n;
      pt.log_n = std::log(static_cast<double>(n));
      set_crossing(pt, est);
      pt.log_mean_e_min = curve.log_mean_e_min;
      pt.mean_e_min = std::exp(curve.log_mean_e_min);
      predict_point(r, model, pt);
      pt.betas = curve.betas;
      for (std::size_t b = 0; b < curve.means.size(); ++b) {
        pt.mean_curve.push_back(negate ? -curve.means[b] : curve.means[b]);
        pt.curve_stderr.push_back(curve.stderrs[b]);
      }
      r.points.push_back(pt);
    }
    g.ci_method = delta == 0 ? "bootstrap" : bootstrapped == 0 ? "delta" : "mixed";
    g.collapse = collapse_of(located, model);
    if (!r.points.empty()) {
      r.config.n_min = r.points.front().n;
      r.config.n_max = r.points.back().n;
      r.config.n_points = static_cast<int>(r.points.size());
    }
    g.fitted = r.points.size() >= 2;
    if (g.fitted) fit_critical(r, model);
    out.groups.push_back(g);
  }
  return out;
}

nlohmann::json to_json(const AnalyzeResult& a) {
  nlohmann::json j;
  j["inputs"] = a.config.inputs;
  j["files"] = a.files;
  j["observable"] = a.config.observable;
  j["target"] = a.config.target;
  j["bootstrap"] = a.config.resamples;
  j["notes"] = a.notes;
  j["groups"] = nlohmann::json::array();
  for (const AnalyzeGroup& g : a.groups) {
    nlohmann::json e = to_json(g.result);
    e.erase("seconds");
    e.erase("keys_per_second");
    e["ci_method"] = g.ci_method;
    e["ci_method_reason"] = g.ci_method == "bootstrap"
                                ? "percentile bootstrap over the stored trials, as critical"
                                : "delta method from the means and standard errors: the sweep kept no per-trial values "
                                  "(sweep --store-trials keeps them)";
    e["unbracketed"] = g.unbracketed;
    e["fitted"] = g.fitted;
    if (!g.fitted) {
      for (const char* key : {"exponent", "prefactor", "prefactor_at_predicted_exponent", "prefactor_ratio",
                              "gaussian_law", "local_slopes", "regime", "regime_reason", "crossover"})
        e.erase(key);
      e["regime"] = "not fitted";
      e["regime_reason"] = "fewer than 2 points bracket the target";
    }
    j["groups"].push_back(e);
  }
  return j;
}

std::string to_table(const AnalyzeResult& a) {
  std::string s = fmt::format("attnlim analyze: {} file(s): {}\n", a.files.size(), fmt::join(a.files, ", "));
  for (const std::string& note : a.notes) s += "note: " + note + "\n";
  for (const AnalyzeGroup& g : a.groups) {
    s += "\n";
    if (g.fitted) {
      s += to_table(g.result);
    } else {
      s += fmt::format("d = {}: fewer than 2 points bracket the target; no fit\n", g.result.config.d);
    }
    s += fmt::format("intervals of beta*: {}\n",
                     g.ci_method == "bootstrap" ? "bootstrap over the stored trials"
                     : g.ci_method == "delta"   ? "delta method from means and standard errors (no stored trials)"
                                                : "bootstrap where trials were stored, delta method elsewhere");
    for (const std::string& u : g.unbracketed) s += "left out: " + u + "\n";
  }
  return s;
}

std::vector<std::pair<std::string, std::string>> figure_files(const AnalyzeResult& a) {
  std::vector<std::pair<std::string, std::string>> files;
  nlohmann::json summary = nlohmann::json::array();
  for (const AnalyzeGroup& g : a.groups) {
    if (!g.fitted) continue;
    files.push_back({fmt::format("critical_d{}.json", g.result.config.d), to_json(g.result).dump(2) + "\n"});
    summary.push_back(verify_summary_entry(g.result));
  }
  files.push_back({"summary.json", summary.dump(2) + "\n"});
  if (!a.groups.empty() && !a.groups.front().collapse.is_null())
    files.push_back({"figures.json", nlohmann::json{{"collapse", with_limit(a.groups.front().collapse)}}.dump() + "\n"});
  return files;
}

}  // namespace attnlim
