#include "commands.hpp"

namespace attnlim::cli {
void register_sweep(CLI::App& app) { app.add_subcommand("sweep", "resumable grid sweep (not yet)"); }
void register_critical(CLI::App& app) { app.add_subcommand("critical", "critical beta and exponent (not yet)"); }
}  // namespace attnlim::cli
