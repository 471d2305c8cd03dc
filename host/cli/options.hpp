// The subcommands of the attnlim tool and the option helpers they share. Each register_* adds one
// subcommand and its callback to the app.
//
// Every callback follows one order, so that bad input prints one line, exits 2 and leaves no trace:
// parse and validate every option (numbers are read as text and parsed strictly: "" and "-1" never
// become 0 or 2^64-1), check the backend and every output path, and only then print, create folders,
// compute and write. Library errors name fields ("top_k"); main() prints them as flags ("--top-k").
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "attnlim/drivers/beta_scale.hpp"
#include "attnlim/drivers/critical.hpp"
#include "attnlim/drivers/sweep.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/io/files.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/keys/tiers.hpp"

namespace attnlim::cli {

void register_simulate(CLI::App& app);
void register_theory(CLI::App& app);
void register_sweep(CLI::App& app);
void register_critical(CLI::App& app);
void register_verify(CLI::App& app);
void register_heat(CLI::App& app);
void register_analyze(CLI::App& app);
void register_self_attention(CLI::App& app);

// verify --strict after its report: a claim disagrees. main exits 3 with the message (neither bad input, 2,
// nor a failure of the run, 1).
struct StrictFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The fields (library names: "top_k", "n_min") a front end was given: CLI11's options that were on the command
// line, Python's keywords that were not None. A default and an explicit value can mean different things
// (--top-k given may not exceed n; not given it is min(8, n)).
using GivenFields = std::set<std::string>;
GivenFields given_fields(const CLI::App* sub);

// The options of simulate as text, as either front end (CLI, Python) gives them.
struct SimulateOptions {
  std::string d = "3", n = "100000", trials = "100", keys = "uniform";
  std::vector<std::string> beta_values = {"0,1,10,100"};
  std::string beta_scale = "abs";
  std::string top_k;
  std::string seed = "1", backend = "auto", sampler = "auto", threads = "0", chunk = "65536", bulk_tolerance = "1e-3";
  bool output_vector = false, quiet = false;
  std::string csv, json;
  GivenFields given;
};
// A simulate run, parsed and checked (InputError naming the field otherwise): the spec, the trials, the betas as
// given and their scale, and the engine to make (make_rank_engine).
struct PreparedSimulate {
  RunSpec spec;
  std::uint64_t trials = 1;
  BetaScale scale;
  std::vector<double> values;
  bool order = false;
  EngineChoice choice = EngineChoice::automatic;
  EngineOptions engine;
};
PreparedSimulate prepare_simulate(const SimulateOptions& options);

// The options of sweep as text.
struct SweepOptions {
  std::vector<std::string> ds = {"3"}, ns, specs;
  std::string n_min, n_max, n_points, trials = "100", seed = "1", top_k, threads = "0";
  std::string backend = "auto", sampler = "auto", out, keys = "uniform", shard;
  bool quiet = false, store_trials = false;
  GivenFields given;
};
// The sweep's config, parsed and validated (output files included).
SweepConfig prepare_sweep(const SweepOptions& options);

// --sampler auto|full|projected. auto: projected where it can serve (no output vector, and the key model
// symmetric about q with a distance sampler), else full.
SamplerTier parse_sampler(const std::string& name, bool output_vector, const AnyKeyModel& model);

// n as a key count: an exact whole number 1..2^63 (1e6 notation accepted); with any_size (the order sampler)
// also any n >= 1 written as MANTISSAeEXPONENT beyond that (1e300, 2.5e5000), held as log n. InputError
// naming `field` otherwise.
KeyCount parse_key_count(const std::string& field, const std::string& text, bool any_size);

// --backend auto|cpu|cuda, refused up front when cuda is asked for and no device can run it.
EngineChoice parse_backend_option(const std::string& name);

// A numeric option bound to text (parsed in the callback with parse_whole / parse_real); `type` is
// what --help shows (INT, FLOAT, LIST).
CLI::Option* add_number_option(CLI::App* sub, const std::string& name, std::string& text, const std::string& help,
                               const std::string& type);
// A list option: comma-separated, repeatable (--d 3,4 --d 5); joined back into one comma-separated text.
CLI::Option* add_list_option(CLI::App* sub, const std::string& name, std::vector<std::string>& items,
                             const std::string& help, const std::string& type);
std::string join_list(const std::vector<std::string>& items);
// --keys SPEC (default uniform), the same help on every command.
CLI::Option* add_keys_option(CLI::App* sub, std::string& text);
// --quiet: no progress line (every command that can run long).
CLI::Option* add_quiet_flag(CLI::App* sub, bool& quiet);

// The output files of optional path options: one that was given is checked even when empty ("--csv ''"
// is refused), one not given is skipped. `field` is the option's library name ("csv"). Pass the result
// to check_output_paths.
void add_if_given(std::vector<OutputFile>& outputs, const CLI::App* sub, const std::string& field,
                  const std::string& path);

// The options critical and verify share, as text.
struct CriticalOptions {
  std::string n_min = "1000", n_max = "1000000", n_points = "7", trials = "400", observable = "ipr", target = "0.5",
              grid_points = "32", bootstrap = "400", seed = "1", threads = "0", backend = "auto", sampler = "auto",
              keys = "uniform";
  bool quiet = false;
};
// `n_max_help` differs: verify's --n-max 0 picks a size for the hardware, critical's does not.
void add_critical_options(CLI::App* sub, CriticalOptions& options, const std::string& n_max_help);
// Everything but d and the sampler, parsed strictly; `automatic_n_max` (0: none) replaces --n-max 0. Not yet
// validated (validate(CriticalConfig) needs d); set d, then the sampler with critical_sampler.
CriticalConfig parse_critical_options(const CriticalOptions& options, std::uint64_t automatic_n_max);
// critical's config from its options and --d, validated, the backend checked.
CriticalConfig prepare_critical(const CriticalOptions& options, const std::string& d);
// --sampler of critical and verify for the config's d and keys.
SamplerTier critical_sampler(const CriticalOptions& options, const CriticalConfig& config);
// The engine of critical and verify: the order engine for --sampler order, else that of --backend.
std::unique_ptr<Engine> make_critical_engine(const CriticalOptions& options, const CriticalConfig& config);
// The engine of --backend and --threads.
std::unique_ptr<Engine> make_cli_engine(EngineChoice choice, const std::string& threads);
// Every command's engine: `choice`'s (or the order-statistics engine), with this MPI rank's share of the
// node's threads and GPUs, split over the job's ranks (engine/mpi.hpp); as it is in a single process.
std::unique_ptr<Engine> make_rank_engine(EngineChoice choice, bool order, EngineOptions options);

}  // namespace attnlim::cli
