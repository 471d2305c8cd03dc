// The option helpers every command shares (options.hpp).
#include "options.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/grid.hpp"
#include "attnlim/engine/mpi.hpp"
#include "attnlim/io/parse.hpp"
#include "attnlim/keys/registry.hpp"

namespace attnlim::cli {

SamplerTier parse_sampler(const std::string& name, bool output_vector, const AnyKeyModel& model) {
  if (name == "full") return SamplerTier::full;
  if (name == "projected") return SamplerTier::projected;
  if (name == "auto")
    return !output_vector && supports_tier(model, SamplerTier::projected, nullptr) ? SamplerTier::projected
                                                                                  : SamplerTier::full;
  throw InputError("sampler", "unknown sampler '" + name + "' (expected auto, full or projected" +
                                 (name == "order" ? "; the order sampler serves simulate, critical and verify)" : ")"));
}

KeyCount parse_key_count(const std::string& field, const std::string& text, bool any_size) {
  try {
    return KeyCount::exact(parse_whole(field, text, 1, kMaxKeys));
  } catch (const InputError& e) {
    if (!any_size) {
      // A count beyond 2^63 written correctly: say who takes it.
      if (e.problem().rfind("must be at most", 0) == 0)
        throw InputError(field, e.problem() + "; " + field_ref("sampler") + " order takes any n");
      throw;
    }
  }
  // MANTISSAeEXPONENT with a positive mantissa and a whole exponent, n >= 1: held as log n.
  const auto e = text.find_first_of("eE");
  const std::string mantissa = e == std::string::npos ? text : text.substr(0, e);
  const std::string exponent = e == std::string::npos ? "0" : text.substr(e + 1);
  const auto digits_only = [](const std::string& s, bool allow_point) {
    int points = 0, digits = 0;
    for (char ch : s) {
      if (ch == '.' && allow_point) ++points;
      else if (ch >= '0' && ch <= '9') ++digits;
      else return false;
    }
    return digits > 0 && points <= 1;
  };
  const std::string exp_digits = !exponent.empty() && exponent[0] == '+' ? exponent.substr(1) : exponent;
  if (!digits_only(mantissa, true) || !digits_only(exp_digits, false) || exp_digits.size() > 9)
    throw InputError(field, fmt::format("must be a whole number >= 1, or MANTISSAeEXPONENT such as 1e5000 (got '{}')", text));
  const double m = std::stod(mantissa);
  const double log_n = std::log(m) + std::stod(exp_digits) * std::log(10.0);
  if (!(m > 0) || !(log_n >= 0.0) || !std::isfinite(log_n))
    throw InputError(field, fmt::format("must be at least 1 (got '{}')", text));
  return KeyCount::from_log(log_n);
}

EngineChoice parse_backend_option(const std::string& name) {
  const EngineChoice choice = parse_engine_choice(name);
  std::string why;
  if (choice == EngineChoice::cuda && !engine_available(choice, &why))
    throw InputError("backend", "cuda requested but " + why);
  return choice;
}

std::unique_ptr<Engine> make_rank_engine(EngineChoice choice, bool order, EngineOptions options) {
  options.threads = rank_threads(options.threads);
  return distribute(order ? make_order_engine(options) : make_engine(choice, options));
}

std::unique_ptr<Engine> make_cli_engine(EngineChoice choice, const std::string& threads) {
  EngineOptions options;
  options.threads = static_cast<int>(parse_whole("threads", threads, 0, kMaxThreads));
  return make_rank_engine(choice, false, options);
}

CLI::Option* add_number_option(CLI::App* sub, const std::string& name, std::string& text, const std::string& help,
                               const std::string& type) {
  CLI::Option* opt = sub->add_option(name, text, help)->type_name(type);
  if (!text.empty()) opt->default_str(text);
  return opt;
}

CLI::Option* add_list_option(CLI::App* sub, const std::string& name, std::vector<std::string>& items,
                             const std::string& help, const std::string& type) {
  CLI::Option* opt = sub->add_option(name, items, help)->type_name(type);
  if (!items.empty()) opt->default_str(join_list(items));
  return opt;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string joined;
  for (std::size_t i = 0; i < items.size(); ++i) joined += (i ? "," : "") + items[i];
  return joined;
}

CLI::Option* add_keys_option(CLI::App* sub, std::string& text) {
  std::string models;
  for (const auto& name : key_model_names()) models += (models.empty() ? "" : ", ") + name;
  return sub->add_option("--keys", text, "key model SPEC, NAME or NAME:K=V,... (models: " + models + ")")
      ->type_name("SPEC")
      ->capture_default_str();
}

CLI::Option* add_quiet_flag(CLI::App* sub, bool& quiet) {
  return sub->add_flag("--quiet", quiet,
                       "no progress line on stderr (otherwise: percent, rate and ETA once a run passes 2 s)");
}

void add_if_given(std::vector<OutputFile>& outputs, const CLI::App* sub, const std::string& field,
                  const std::string& path) {
  if (sub->count(field_flag(field)) > 0) outputs.push_back({field, path});
}

void add_critical_options(CLI::App* sub, CriticalOptions& o, const std::string& n_max_help) {
  add_keys_option(sub, o.keys);
  add_number_option(sub, "--n-min", o.n_min, "smallest n (1e3 notation accepted; any n with --sampler order)", "INT");
  add_number_option(sub, "--n-max", o.n_max, n_max_help, "INT");
  add_number_option(sub, "--n-points", o.n_points, "log-spaced n values (>= 2)", "INT");
  add_number_option(sub, "--trials", o.trials, "trials per n, bootstrapped over (8..2^31)", "INT");
  sub->add_option("--observable", o.observable, "ipr, w_max or entropy: its trial mean defines beta*")->capture_default_str();
  add_number_option(sub, "--target", o.target,
                    "beta* is where the mean observable crosses this (ipr, w_max: in (1/n, 1); entropy: in (0, log n))",
                    "FLOAT");
  add_number_option(sub, "--grid-points", o.grid_points, fmt::format("betas of the fine grid (4..{}), one pass", kMaxBetas), "INT");
  add_number_option(sub, "--bootstrap", o.bootstrap, "bootstrap resamples over trials (>= 20)", "INT");
  add_number_option(sub, "--seed", o.seed, "base seed", "INT");
  add_number_option(sub, "--threads", o.threads, "CPU threads (0: all)", "INT");
  sub->add_option("--backend", o.backend, "auto, cpu or cuda")->capture_default_str();
  sub->add_option("--sampler", o.sampler,
                  "auto (projected), full, projected, or order (the order-statistics engine: any n, e.g. --n-max 1e300; CPU)")
      ->capture_default_str();
  add_quiet_flag(sub, o.quiet);
}

CriticalConfig parse_critical_options(const CriticalOptions& o, std::uint64_t automatic_n_max) {
  CriticalConfig c;
  c.keys = o.keys;
  c.order = o.sampler == "order";
  if (c.order) {
    // Any n: held as log n (n_min / n_max keep the exact values where they fit, for the JSON).
    const KeyCount lo = parse_key_count("n_min", o.n_min, true);
    const KeyCount hi = o.n_max == "0" && automatic_n_max ? KeyCount::exact(automatic_n_max) : parse_key_count("n_max", o.n_max, true);
    c.log_n_min = lo.log();
    c.log_n_max = hi.log();
    c.n_min = lo.is_exact() ? lo.count() : kMaxKeys;
    c.n_max = hi.is_exact() ? hi.count() : kMaxKeys;
    if (c.n_min < 2) throw InputError("n_min", fmt::format("must be at least 2 (got {})", c.n_min));
  } else {
    c.n_min = parse_whole("n_min", o.n_min, 2, kMaxKeys);
    c.n_max = parse_whole("n_max", o.n_max, automatic_n_max ? 0 : 2, kMaxKeys);
    if (c.n_max == 0) c.n_max = automatic_n_max;
  }
  c.n_points = static_cast<int>(parse_whole("n_points", o.n_points, 2, kMaxGridPoints));
  c.trials = parse_whole("trials", o.trials, 8, kMaxCriticalTrials);
  c.observable = o.observable;
  c.target = parse_real("target", o.target);
  c.grid_points = static_cast<int>(parse_whole("grid_points", o.grid_points, 4, kMaxBetas));
  c.resamples = static_cast<int>(parse_whole("bootstrap", o.bootstrap, 20, kMaxResamples));
  c.seed = parse_whole("seed", o.seed, 0, ~std::uint64_t{0});
  parse_whole("threads", o.threads, 0, kMaxThreads);
  if (o.sampler != "auto" && o.sampler != "full" && o.sampler != "projected" && o.sampler != "order")
    throw InputError("sampler", "unknown sampler '" + o.sampler + "' (expected auto, full, projected or order)");
  if (c.order && o.backend == "cuda") throw InputError("backend", "the order sampler runs on the CPU (use auto or cpu)");
  return c;
}

GivenFields given_fields(const CLI::App* sub) {
  GivenFields given;
  for (const CLI::Option* option : sub->get_options()) {
    if (option->count() == 0) continue;
    std::string name = option->get_name(false, true);  // "--top-k"
    while (!name.empty() && name[0] == '-') name.erase(0, 1);
    for (char& c : name)
      if (c == '-') c = '_';
    given.insert(name);
  }
  return given;
}

CriticalConfig prepare_critical(const CriticalOptions& options, const std::string& d) {
  CriticalConfig c = parse_critical_options(options, 0);
  c.d = static_cast<int>(parse_whole("d", d, 2, kMaxDimension));
  c.sampler = critical_sampler(options, c);
  validate(c);
  if (!c.order) parse_backend_option(options.backend);
  return c;
}

SamplerTier critical_sampler(const CriticalOptions& options, const CriticalConfig& config) {
  if (config.order) return SamplerTier::projected;  // the order engine draws distances only
  return parse_sampler(options.sampler, false, parse_key_model(config.keys, config.d));
}

std::unique_ptr<Engine> make_critical_engine(const CriticalOptions& options, const CriticalConfig& config) {
  if (config.order) {
    EngineOptions engine_options;
    engine_options.threads = static_cast<int>(parse_whole("threads", options.threads, 0, kMaxThreads));
    return make_rank_engine(EngineChoice::cpu, true, engine_options);
  }
  return make_cli_engine(parse_backend_option(options.backend), options.threads);
}

}  // namespace attnlim::cli
