// Subcommands of the attnlim tool. Each register_* adds one subcommand and its callback to the app.
#pragma once
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "attnlim/sampler.hpp"

namespace attnlim {
struct CriticalConfig;  // attnlim/critical.hpp
}  // namespace attnlim

namespace attnlim::cli {

void register_simulate(CLI::App& app);
void register_theory(CLI::App& app);
void register_sweep(CLI::App& app);
void register_critical(CLI::App& app);
void register_verify(CLI::App& app);

// Shared option handling: --sampler auto|full|projected; n given as a double (1e6 notation) that must
// be a whole number >= 1; the options common to critical and verify.
SamplerTier parse_sampler(const std::string& name, bool output_vector);
std::uint64_t count_from_double(const std::string& flag, double v);
void add_critical_options(CLI::App* sub, CriticalConfig& c, double& n_min, double& n_max, std::string& backend,
                          std::string& sampler);

}  // namespace attnlim::cli
