// attnlim critical: beta*(n) and its exponent against the key model's local law.
#include <cmath>
#include <memory>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/critical.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/io/parse.hpp"
#include "options.hpp"
#include "run_guard.hpp"

namespace attnlim::cli {

void register_critical(CLI::App& app) {
  struct Options {
    CriticalOptions critical;
    std::string d, json;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "critical", "estimate beta*(n) where the mean observable crosses a target, fit log beta* = c + alpha log n, "
                  "and compare alpha with 2/(d-1) and the prefactor with lambda* c_d^(2/(d-1))");
  add_number_option(sub, "--d", o->d, "dimension (>= 2)", "INT")->required();
  add_critical_options(sub, o->critical, "largest n");
  sub->add_option("--json", o->json, "write exponent, prefactor, points and curves here")->type_name("PATH");
  sub->callback([o, sub] {
    const CriticalConfig c = prepare_critical(o->critical, o->d);
    std::vector<OutputFile> outputs;
    add_if_given(outputs, sub, "json", o->json);
    check_output_paths(outputs);
    const auto engine = make_critical_engine(o->critical, c);
    CriticalResult r;
    {
      ProgressLine line(o->critical.quiet);
      r = run_critical(*engine, c, line.callback());
    }
    fmt::print("{}", to_table(r));
    if (sub->count("--json")) write_file_atomic(o->json, to_json(r).dump(2) + "\n");
  });
}

}  // namespace attnlim::cli
