// attnlim: simulator of the long-context limit of softmax attention.
// Exit codes: 0 success, 2 bad input (one line naming the flag and the problem), 1 anything else.
#include <cstdio>
#include <exception>

#include <fmt/core.h>

#include "attnlim/errors.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"attnlim: the long-context limit of softmax attention, simulated on CUDA and CPU"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "attnlim 0.1.0");
  attnlim::cli::register_simulate(app);
  attnlim::cli::register_theory(app);
  attnlim::cli::register_sweep(app);
  attnlim::cli::register_critical(app);
  attnlim::cli::register_verify(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "attnlim: error: {}\n", e.what());
    return 2;
  } catch (const attnlim::InputError& e) {
    fmt::print(stderr, "attnlim: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "attnlim: failed: {}\n", e.what());
    return 1;
  }
  return 0;
}
