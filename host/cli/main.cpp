// attnlim: simulator of the long-context limit of softmax attention.
// Exit codes: 0 success, 2 bad input (one line naming the flag and the problem), 3 verify --strict with a claim
// that disagrees (the report is written), 1 anything else.
// Under mpirun or srun every rank runs main; rank 0 prints, and a failure ends every rank (engine/mpi.hpp).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/stop.hpp"
#include "attnlim/engine/mpi.hpp"
#include "options.hpp"

namespace {

// SIGINT and SIGTERM ask the run to stop (engines check between blocks of work, within about a second);
// a second signal of the same kind ends the process at once (SA_RESETHAND).
extern "C" void on_stop_signal(int signal) { attnlim::request_stop(signal); }

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  attnlim::MpiSession session(&argc, &argv);
  if (const std::string problem = attnlim::launch_problem(); !problem.empty()) {
    const char* task = std::getenv("SLURM_PROCID");
    if (!task || std::string(task) == "0") std::fprintf(stderr, "attnlim: error: %s\n", problem.c_str());
    return 2;
  }
  install_stop_handlers();
  CLI::App app{"attnlim: the long-context limit of softmax attention, simulated on CUDA and CPU"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "attnlim 0.1.0");
  attnlim::cli::register_simulate(app);
  attnlim::cli::register_theory(app);
  attnlim::cli::register_sweep(app);
  attnlim::cli::register_critical(app);
  attnlim::cli::register_verify(app);
  attnlim::cli::register_heat(app);
  attnlim::cli::register_analyze(app);
  attnlim::cli::register_self_attention(app);
  // An unknown command gets its own line (CLI11 would only say that a subcommand is required).
  std::string commands;
  for (const CLI::App* sub : app.get_subcommands({})) commands += (commands.empty() ? "" : ", ") + sub->get_name();
  if (argc < 2)
    return session.fail(2, fmt::format("attnlim: error: a command is required: {} (attnlim --help lists them)", commands));
  const std::string first = argv[1];
  if (!first.empty() && first[0] != '-' && app.get_subcommands([&](CLI::App* sub) { return sub->check_name(first); }).empty())
    return session.fail(2, fmt::format("attnlim: error: unknown command '{}' (expected one of: {})", first, commands));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 says "--x: At Most 1 required but received 2" for an option given twice.
    std::string message = e.what();
    const auto twice = message.find(": At Most 1 required but received");
    if (twice != std::string::npos) message = message.substr(0, twice) + ": given more than once";
    return session.fail(2, fmt::format("attnlim: error: {}", message));
  } catch (const attnlim::Interrupted& e) {
    return session.fail(
        128 + e.signal(),
        fmt::format("attnlim: interrupted by {}: stopped cleanly; no output file was written or changed (a sweep keeps "
                    "its finished points: run the same command to resume)",
                    e.signal() == SIGTERM ? "SIGTERM" : e.signal() == SIGINT ? "SIGINT" : "a stop request"));
  } catch (const attnlim::InputError& e) {
    return session.fail(2, fmt::format("attnlim: error: {}", e.for_command_line()));
  } catch (const attnlim::cli::StrictFailure& e) {
    return session.fail(3, fmt::format("attnlim: {}", e.what()));
  } catch (const std::exception& e) {
    return session.fail(1, fmt::format("attnlim: failed: {}", e.what()));
  }
  return 0;
}
