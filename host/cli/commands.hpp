// Subcommands of the attnlim tool. Each register_* adds one subcommand and its callback to the app.
#pragma once
#include <CLI/CLI.hpp>

namespace attnlim::cli {

void register_simulate(CLI::App& app);
void register_theory(CLI::App& app);
void register_sweep(CLI::App& app);
void register_critical(CLI::App& app);

}  // namespace attnlim::cli

#include "attnlim/sampler.hpp"
namespace attnlim::cli {
SamplerTier parse_sampler(const std::string& name, bool output_vector);
void register_verify(CLI::App& app);
}  // namespace attnlim::cli
