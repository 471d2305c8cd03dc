// attnlim analyze: beta*(n), the exponent and the regime from stored sweep files, without simulating again.
#include <filesystem>
#include <memory>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/analyze.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"

namespace attnlim::cli {

void register_analyze(CLI::App& app) {
  struct Options {
    std::vector<std::string> inputs;
    std::string observable = "ipr", target = "0.5", bootstrap = "400", json, figures;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "analyze", "beta*(n), its exponent and regime from stored sweep files (shards, reruns), as critical reports them");
  sub->add_option("inputs", o->inputs,
                  "sweep prefixes (PREFIX.jsonl and every PREFIX.shard-I-of-N.jsonl) or .jsonl files")
      ->type_name("PREFIX")
      ->required();
  sub->add_option("--observable", o->observable, "ipr, w_max or entropy: its mean defines beta*")->capture_default_str();
  add_number_option(sub, "--target", o->target,
                    "beta* is where the mean observable crosses this (ipr, w_max: in (0, 1); entropy: > 0)", "FLOAT");
  add_number_option(sub, "--bootstrap", o->bootstrap, "bootstrap resamples over stored trials (>= 20)", "INT");
  sub->add_option("--json", o->json, "write every group's points, fits and regime here")->type_name("PATH");
  sub->add_option("--figures", o->figures,
                  "write critical_d<d>.json and summary.json into this folder for scripts/figures.py (scaling.png)")
      ->type_name("DIR");
  sub->callback([o, sub] {
    AnalyzeConfig c;
    c.inputs = o->inputs;
    c.observable = o->observable;
    c.target = parse_real("target", o->target);
    c.resamples = static_cast<int>(parse_whole("bootstrap", o->bootstrap, 20, kMaxResamples));
    validate(c);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "json", o->json);
    check_output_paths(outputs);
    if (sub->count("--figures")) check_output_folder("figures", o->figures, {"summary.json"});
    const AnalyzeResult r = run_analyze(c);  // reads and checks everything; writes nothing
    const auto figures = sub->count("--figures") ? figure_files(r) : std::vector<std::pair<std::string, std::string>>{};
    if (sub->count("--figures")) {
      std::vector<std::string> names;
      for (const auto& f : figures) names.push_back(f.first);
      check_output_folder("figures", o->figures, names);
    }
    fmt::print("{}", to_table(r));
    if (sub->count("--json")) write_file_atomic(o->json, to_json(r).dump(2) + "\n");
    if (sub->count("--figures")) {
      std::filesystem::create_directories(o->figures);
      for (const auto& [name, content] : figures) write_file_atomic((std::filesystem::path(o->figures) / name).string(), content);
      fmt::print("figure data in {}; draw with: /usr/bin/python3 scripts/figures.py {}\n", o->figures, o->figures);
    }
  });
}

}  // namespace attnlim::cli
