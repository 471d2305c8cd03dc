// Where a long run is: one reporter for every command that can run long (simulate, sweep, critical,
// verify). Drivers report work done of a known total through a ProgressCallback (they never print); the
// CLI's ProgressReporter turns that into one line on stderr: what is running, percent, rate, elapsed and
// ETA, rewritten in place on a terminal and one plain line every few seconds otherwise (logs, Slurm),
// nothing for runs that end within about two seconds, and a warning in the first line when the run looks
// very long (a mistyped n is caught in seconds). A run of several phases (a count that starts over) gets
// each phase's own rate and ETA; elapsed counts from the start.
#pragma once
#include <functional>
#include <string>

namespace attnlim {

struct ProgressUpdate {
  std::string what;         // "simulate d=3 n=1e+10", "sweep point 3/8 d=4 n=1e5"
  double done = 0, total = 0;  // work done of the total, in `unit`
  std::string unit = "keys";
};
using ProgressCallback = std::function<void(const ProgressUpdate&)>;

class ProgressReporter {
 public:
  struct Options {
    bool quiet = false;             // --quiet: nothing at all
    bool terminal = false;          // rewrite one line in place (\r) instead of plain lines
    double silent_seconds = 2.0;    // nothing before this: short runs stay quiet
    double plain_interval = 5.0;    // seconds between plain lines
    double terminal_interval = 0.25;  // seconds between rewrites on a terminal
    double long_run_seconds = 3600.0;  // an ETA beyond this is called out in the first line
    double min_rate_seconds = 1.0;     // a new phase shows no line before it has run this long
  };
  using Clock = std::function<double()>;                 // seconds, monotonic
  using Sink = std::function<void(const std::string&)>;  // writes text as given (no newline added)

  ProgressReporter(const Options& options, Clock clock, Sink sink);
  // The callback drivers take; it forwards to update().
  ProgressCallback callback();
  void update(const ProgressUpdate& update);
  // Ends the line on a terminal (once anything was shown).
  void finish();

  // "what: 12.3% of 1e+10 keys, 1.23e+08 keys/s, 0m12s elapsed, ETA 1m26s"
  static std::string format(const ProgressUpdate& update, double elapsed, double rate);
  // "1h02m", "3m07s", "?" for an unknown or infinite time.
  static std::string duration(double seconds);

 private:
  Options options_;
  Clock clock_;
  Sink sink_;
  double start_ = 0, last_shown_ = -1e300;
  // The current phase: when it began and the count then (the rate is the phase's own).
  double phase_start_ = 0, phase_done_ = 0, last_done_ = 0;
  bool shown_ = false, warned_ = false;
};

// The reporter the CLI uses: stderr, a steady clock, terminal mode when stderr is a terminal.
ProgressReporter stderr_reporter(bool quiet);

}  // namespace attnlim
