// attnlim verify: the main job. Measures beta*(n) for several d, fits the exponent, compares it and the
// prefactor with THEORY.md, and writes the data behind the figures (scripts/figures.py).
#include <cmath>
#include <filesystem>
#include <memory>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/ranks.hpp"
#include "attnlim/drivers/critical.hpp"
#include "attnlim/drivers/locality.hpp"
#include "attnlim/drivers/verify.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "attnlim/keys/registry.hpp"
#include "options.hpp"
#include "run_guard.hpp"

namespace attnlim::cli {

namespace {

// The files one verify run writes into its folder, and the folders it creates for them: if the run does not
// finish (interrupted, failed), they are removed again, so the folder is as it was before the run and the
// same command can be run again (an existing file there is refused).
class ThisRunsFiles {
 public:
  explicit ThisRunsFiles(const std::string& folder) : folder_(folder) {
    namespace fs = std::filesystem;
    if (!is_root_process()) {  // an MPI job: rank 0 creates, writes and cleans up
      kept_ = true;
      return;
    }
    for (fs::path p = fs::absolute(folder_).lexically_normal(); !p.empty() && !fs::exists(p); p = p.parent_path()) {
      created_.push_back(p);
      if (p == p.parent_path()) break;
    }
    std::error_code ec;
    fs::create_directories(folder_, ec);
    if (ec) throw std::runtime_error("cannot create the folder " + folder_ + ": " + ec.message());
  }
  ~ThisRunsFiles() {
    if (kept_) return;
    std::error_code ec;
    for (const std::string& file : files_) std::filesystem::remove(file, ec);
    for (const auto& dir : created_) std::filesystem::remove(dir, ec);  // innermost first; only if empty
  }
  ThisRunsFiles(const ThisRunsFiles&) = delete;
  ThisRunsFiles& operator=(const ThisRunsFiles&) = delete;

  void write(const std::string& name, const std::string& content) {
    const std::string path = folder_ + "/" + name;
    write_file_atomic(path, content);
    files_.push_back(path);
  }
  void keep() { kept_ = true; }

 private:
  std::string folder_;
  std::vector<std::filesystem::path> created_;
  std::vector<std::string> files_;
  bool kept_ = false;
};

}  // namespace

void register_verify(CLI::App& app) {
  struct Options {
    std::vector<std::string> ds = {"3,4,5,6"};
    CriticalOptions critical;
    std::string out = "out/verify";
    bool figures = true, locality = true, crossover = true;
  };
  auto o = std::make_shared<Options>();
  o->critical.trials = "800";  // ~5 minutes for d = 3..6 on 2 cores; exponent intervals about +-2.5%
  o->critical.n_points = "6";
  o->critical.n_max = "0";
  CLI::App* sub = app.add_subcommand(
      "verify", "the main job: beta*(n) and its exponent for several d against 2/(d-1), with the figures' data");
  add_list_option(sub, "--d", o->ds, "comma-separated distinct dimensions", "LIST");
  add_critical_options(sub, o->critical, "largest n (0 picks 1e6 on the CPU, 1e8 with a GPU)");
  sub->add_option("--out", o->out, "folder for critical_d<d>.json, summary.json and figures.json (created if missing)")
      ->type_name("FOLDER")
      ->capture_default_str();
  sub->add_flag("!--no-figures", o->figures, "skip the data for the figures");
  sub->add_flag("!--no-locality", o->locality,
                "skip the locality experiment (critical for five key models at the first --d, into locality.json)");
  sub->add_flag("!--no-crossover", o->crossover,
                "skip the crossover to the local law (critical with the order sampler at d = 16, 64, 128 over n = 1e3 "
                "to 1e300, into crossover.json)");
  sub->callback([o] {
    // Everything is checked before anything is printed or created.
    const EngineChoice choice = parse_backend_option(o->critical.backend);
    const auto engine = make_cli_engine(choice, o->critical.threads);
    std::string why;
    engine_available(EngineChoice::cuda, &why);
    // Larger n where a device carries the work; about 10 minutes on 2 CPU cores otherwise.
    CriticalConfig base = parse_critical_options(o->critical, engine->accelerator() ? 100000000 : 1000000);
    // --sampler order: the exponent table on the order-statistics engine (any n); locality and the figures,
    // whose key models need keys one by one, stay on the per-key engine.
    const auto critical_engine = base.order ? make_critical_engine(o->critical, base) : nullptr;
    Engine& exponent_engine = base.order ? *critical_engine : *engine;
    const std::vector<std::uint64_t> ds = parse_whole_list("d", join_list(o->ds), 2, kMaxDimension);
    std::vector<std::string> files = {"summary.json"};
    for (auto d : ds) files.push_back(fmt::format("critical_d{}.json", d));
    if (o->figures) files.push_back("figures.json");
    if (o->locality) files.push_back("locality.json");
    if (o->crossover) files.push_back("crossover.json");
    check_output_folder("out", o->out, files);
    for (auto d : ds) {
      base.d = static_cast<int>(d);
      base.sampler = critical_sampler(o->critical, base);
      validate(base);
    }
    ThisRunsFiles outputs(o->out);  // removed again unless the run finishes: the folder stays as it was
    const std::string backend = choice == EngineChoice::automatic && !engine->accelerator()
                                    ? engine->name() + " (" + why + ")"
                                    : engine->name();
    fmt::print("attnlim verify: d = {}, n from {} to {} ({} points), {} trials each, backend {}\n",
               fmt::join(ds, ","),
               base.order ? fmt::format("10^{:.3g}", base.log_n_min / std::log(10.0)) : std::to_string(base.n_min),
               base.order ? fmt::format("10^{:.3g}", base.log_n_max / std::log(10.0)) : std::to_string(base.n_max),
               base.n_points, base.trials, base.order ? std::string("order (CPU)") : backend);
    nlohmann::json summary = nlohmann::json::array();
    std::string table = verify_table_header();
    // One progress line over every d: keys done of the sum of the critical runs' plans.
    double planned_total = 0, done_before = 0;
    for (auto d : ds) {
      CriticalConfig c = base;
      c.d = static_cast<int>(d);
      planned_total += planned_keys(c);
    }
    ProgressLine line(o->critical.quiet);
    const ProgressCallback progress = line.callback();
    for (auto d64 : ds) {
      const int d = static_cast<int>(d64);
      CriticalConfig c = base;
      c.d = d;
      const double planned = planned_keys(c);
      const CriticalResult r = run_critical(exponent_engine, c, [&](const ProgressUpdate& u) {
        progress(ProgressUpdate{"verify " + u.what, done_before + u.done, planned_total + (u.total - planned), u.unit});
      });
      done_before += r.keys_run;
      planned_total += r.keys_run - planned;
      outputs.write(fmt::format("critical_d{}.json", d), to_json(r).dump(2) + "\n");
      line.end();
      table += verify_table_row(r);
      summary.push_back(verify_summary_entry(r));
      fmt::print("d={} done in {:.1f} s: exponent {:.4f} vs {:.4f}\n", d, r.seconds, r.fit.slope, r.predicted_exponent);
    }
    fmt::print("\n{}", table);
    outputs.write("summary.json", summary.dump(2) + "\n");
    if (o->locality) {
      // Fewer trials and a smaller n than the exponent table: the five exponents differ by factors of 2.
      CriticalConfig locality = base;
      locality.order = false;
      locality.sampler = SamplerTier::projected;
      locality.d = static_cast<int>(ds.front());
      locality.n_max = engine->accelerator() ? std::max(base.n_min + 10, base.n_max / 10)
                                             : std::max(base.n_min + 10, std::min<std::uint64_t>(base.n_max, 300000));
      locality.trials = std::max<std::uint64_t>(8, base.trials / 2);
      const std::vector<LocalityRow> rows =
          run_locality(*engine, locality, locality_cases(locality.d), line.callback());
      line.end();
      outputs.write("locality.json", locality_json(rows).dump(1) + "\n");
      fmt::print("\nlocality at d = {} (the exponent follows the local law at q, not the keys' global shape):\n{}",
                 locality.d, locality_table(rows));
    }
    if (o->crossover) {
      // Real head dimensions reach the local law only at astronomically large n: the order sampler measures
      // beta*(n) against the local law and the random-energy-model scale from 1e3 to 1e300 keys.
      EngineOptions order_options;
      order_options.threads = engine->options().threads;
      const auto order = make_rank_engine(EngineChoice::cpu, true, order_options);
      nlohmann::json crossover = nlohmann::json::array();
      std::string rows = fmt::format("{:>5} {:>10} {:>22} {:>16} {:>12} {:>22} {:>16}\n", "d", "exponent", "95% CI",
                                     "predicted", "local pts", "local law within 5%", "theory");
      for (int d : {16, 64, 128}) {
        CriticalConfig c = base;
        c.d = d;
        c.keys = "uniform";
        c.order = true;
        c.sampler = SamplerTier::projected;
        c.log_n_min = std::log(1e3);
        c.log_n_max = 300.0 * std::log(10.0);
        c.n_min = 1000;
        c.n_max = kMaxKeys;
        c.n_points = 12;
        c.trials = std::min<std::uint64_t>(base.trials, 400);
        c.observable = "ipr";
        c.target = 0.5;
        const CriticalResult r = run_critical(*order, c, line.callback());
        line.end();
        nlohmann::json j = to_json(r);
        crossover.push_back({{"d", d},
                             {"exponent", j["exponent"]},
                             {"exponent_local", j.contains("exponent_local") ? j["exponent_local"] : nlohmann::json()},
                             {"predicted_exponent", r.predicted_exponent},
                             {"regime", r.regime},
                             {"crossover", j["crossover"]},
                             {"points", j["points"]}});
        const auto ten = [](double log_n) {
          return std::isnan(log_n) ? std::string("not reached") : fmt::format("n = 10^{:.0f}", log_n / std::log(10.0));
        };
        // The exponent in the local regime (points past the theory's crossover), else over every point.
        const LinearFit& fit = r.local_points >= 3 ? r.local_fit : r.fit;
        rows += fmt::format("{:>5} {:>10.5f} {:>22} {:>16.5f} {:>12} {:>22} {:>16}\n", d, fit.slope,
                            fmt::format("[{:.5f}, {:.5f}]", fit.slope_ci_low, fit.slope_ci_high), r.predicted_exponent,
                            r.local_points >= 3 ? std::to_string(r.local_points) : "all (pre-asymptotic)",
                            ten(r.log_n_local_measured), ten(r.log_n_local_theory));
      }
      outputs.write("crossover.json", crossover.dump(1) + "\n");
      fmt::print("\ncrossover to the local law (order sampler, uniform keys, ipr = 0.5, n = 1e3 to 1e300; exponent fitted "
                 "over the points past the theory's crossover):\n{}",
                 rows);
    }
    if (o->figures) {
      const AnyKeyModel model = parse_key_model(base.keys, static_cast<int>(ds.front()));
      nlohmann::json fig;
      fig["collapse"] = collapse_data(*engine, model, {100, 1000, 10000, 100000}, 400, base.seed);
      fig["histogram"] = histogram_data(*engine, model, 10000, 1.0, 4000, base.seed);
      outputs.write("figures.json", fig.dump() + "\n");
      fmt::print("figure data in {}/figures.json; draw with: /usr/bin/python3 scripts/figures.py {}\n", o->out, o->out);
    }
    outputs.keep();
  });
}

}  // namespace attnlim::cli
