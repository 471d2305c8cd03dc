// attnlim verify: the main job as a report. Runs every claim of the two papers (drivers/report.hpp), keeps each
// finished claim in OUT/claims/<id>.json (a rerun with the same settings resumes from them), and writes
// OUT/report.html (self-contained), OUT/report.md with OUT/figures/<id>.svg, and OUT/summary.json.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/ranks.hpp"
#include "attnlim/drivers/report.hpp"
#include "attnlim/engine/mpi.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"
#include "run_guard.hpp"

namespace attnlim::cli {

namespace {

// What a claim's result depends on: a cached claim of other settings is run again.
nlohmann::json claim_fingerprint(const ClaimSettings& s, const Engine& engine) {
  return {{"claims_version", kClaimsVersion}, {"quick", s.quick}, {"seed", s.seed}, {"backend", engine.name()},
          {"n_scale", s.n_scale}};
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return text;
}

}  // namespace

void register_verify(CLI::App& app) {
  struct Options {
    std::vector<std::string> claims;
    std::string seed = "1", threads = "0", backend = "auto", out = "out/verify";
    bool quick = false, quiet = false, strict = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "verify", "the main job: every claim of the two papers checked, into OUT/report.html, report.md and summary.json");
  std::string ids;
  for (const auto& id : claim_ids()) ids += (ids.empty() ? "" : ", ") + id;
  add_list_option(sub, "--claims", o->claims, "the claims to run (default: all): " + ids, "LIST");
  sub->add_flag("--quick", o->quick, "about 25 s on 2 CPU cores (smaller n, fewer trials, wider intervals); "
                                     "the default takes about 6 minutes");
  add_number_option(sub, "--seed", o->seed, "base seed", "INT");
  add_number_option(sub, "--threads", o->threads, "CPU threads (0: all)", "INT");
  sub->add_option("--backend", o->backend, "auto, cpu or cuda (larger n where a GPU carries the work)")->capture_default_str();
  sub->add_option("--out", o->out, "folder for the report (created if missing); claims/ keeps finished claims, so "
                                   "the same command resumes")
      ->type_name("FOLDER")
      ->capture_default_str();
  sub->add_flag("--strict", o->strict, "exit 3 (after writing the report) when a claim run or resumed disagrees "
                                       "(for pipelines; otherwise the exit code is 0 whatever the verdicts)");
  add_quiet_flag(sub, o->quiet);
  sub->callback([o, sub] {
    // Everything is checked before anything is printed or created.
    std::vector<std::string> chosen = claim_ids();
    if (sub->count("--claims")) {
      chosen = split_list("claims", join_list(o->claims));
      for (std::size_t i = 0; i < chosen.size(); ++i) {
        const std::string& id = chosen[i];
        if (std::find(claim_ids().begin(), claim_ids().end(), id) == claim_ids().end())
          throw InputError("claims", fmt::format("unknown claim '{}' (expected: {})", id, fmt::join(claim_ids(), ", ")));
        if (std::find(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(i), id) != chosen.begin() + static_cast<std::ptrdiff_t>(i))
          throw InputError("claims", fmt::format("'{}' appears twice", id));
      }
    }
    ClaimSettings settings;
    settings.quick = o->quick;
    settings.seed = parse_whole("seed", o->seed, 0, ~std::uint64_t{0});
    const EngineChoice choice = parse_backend_option(o->backend);
    const auto engine = make_cli_engine(choice, o->threads);
    EngineOptions order_options;
    order_options.threads = engine->options().threads;
    const auto order = make_rank_engine(EngineChoice::cpu, true, order_options);
    SelfAttentionOptions token_options;
    token_options.threads = engine->options().threads;
    const auto tokens = distribute(make_self_attention_engine(choice, token_options));
    settings.n_scale = engine->accelerator() ? 100.0 : static_cast<double>(process_count());
    settings.launcher = process_count() > 1 ? fmt::format("mpirun -np {} ", process_count()) : "";
    settings.backend = o->backend == "auto" ? "" : o->backend;
    std::vector<std::string> files = {"report.html", "report.md", "summary.json"};
    check_output_folder("out", o->out, files);
    const std::filesystem::path out(o->out);
    if (is_root_process())
      for (const char* folder : {"claims", "figures"}) std::filesystem::create_directories(out / folder);
    const nlohmann::json fingerprint = claim_fingerprint(settings, *engine);
    const ReportInfo info{fmt::format("{}attnlim verify{}{}{}{} --out {}", settings.launcher,
                                      sub->count("--claims") ? " --claims " + join_list(o->claims) : "",
                                      o->quick ? " --quick" : "",
                                      settings.seed != 1 ? fmt::format(" --seed {}", settings.seed) : "",
                                      settings.backend.empty() ? "" : " --backend " + settings.backend, o->out),
                          o->quick ? "quick" : "default",
                          fmt::format("backend {} ({})", engine->name(), engine->device()), utc_now()};
    fmt::print("attnlim verify ({}): {} of {} claims, backend {} ({}), into {}\n", info.mode, chosen.size(),
               claim_ids().size(), engine->name(), engine->device(), o->out);
    std::fflush(stdout);
    std::vector<ClaimResult> claims;
    ProgressLine line(o->quiet);
    const ProgressCallback progress = line.callback();
    int number = 0;
    for (const std::string& id : claim_ids()) {
      const std::string cached_path = (out / "claims" / (id + ".json")).string();
      ClaimResult claim;
      bool have = false;
      if (const auto cached = read_file_from_root(cached_path)) {
        const nlohmann::json j = nlohmann::json::parse(*cached, nullptr, false);
        if (!j.is_discarded() && j.contains("settings") && j["settings"] == fingerprint) {
          claim = claim_from_json(j["claim"]);
          have = true;
        }
      }
      const bool wanted = std::find(chosen.begin(), chosen.end(), id) != chosen.end();
      if (wanted && !have) {
        ++number;
        claim = run_claim(id, {*engine, *order, *tokens}, settings, [&](const ProgressUpdate& u) {
          progress({fmt::format("claim {}/{} {}: {}", number, chosen.size(), id, u.what), u.done, u.total, u.unit});
        });
        write_file_atomic(cached_path, nlohmann::json{{"settings", fingerprint}, {"claim", to_json(claim)}}.dump() + "\n");
        line.end();
        fmt::print("{:<24} {:<15} {:6.1f} s  {}\n", id, verdict_name(claim.verdict), claim.seconds, claim.rule);
      } else if (wanted) {
        fmt::print("{:<24} {:<15} (done earlier: {})\n", id, verdict_name(claim.verdict), cached_path);
      } else if (!have) {
        claim.id = id;
        claim.title = "(not run)";
        claim.claim = claim.prediction = "";
        claim.rule = "not selected with --claims, and no earlier run with these settings in " + o->out;
        claim.command = fmt::format("{}attnlim verify --claims {}{}{}{} --out {}", settings.launcher, id,
                                    o->quick ? " --quick" : "",
                                    settings.seed != 1 ? fmt::format(" --seed {}", settings.seed) : "",
                                    settings.backend.empty() ? "" : " --backend " + settings.backend, o->out);
      }
      std::fflush(stdout);
      claims.push_back(claim);
    }
    line.end();
    for (const ClaimResult& c : claims)
      if (c.verdict != Verdict::not_run) write_file_atomic((out / "figures" / (c.id + ".svg")).string(), to_svg(c.figure));
    write_file_atomic((out / "report.md").string(), report_markdown(claims, info));
    write_file_atomic((out / "report.html").string(), report_html(claims, info));
    write_file_atomic((out / "summary.json").string(), report_summary(claims, info).dump(2) + "\n");
    fmt::print("report: {0}/report.html (self-contained), {0}/report.md, {0}/summary.json\n", o->out);
    if (o->strict) {
      std::vector<std::string> disagreeing;
      for (const ClaimResult& c : claims)
        if (c.verdict == Verdict::disagrees && std::find(chosen.begin(), chosen.end(), c.id) != chosen.end())
          disagreeing.push_back(c.id);
      if (!disagreeing.empty())
        throw StrictFailure(fmt::format("verify --strict: {} of {} claims disagree: {} (see {}/report.html)",
                                        disagreeing.size(), chosen.size(), fmt::join(disagreeing, ", "), o->out));
    }
  });
}

}  // namespace attnlim::cli
