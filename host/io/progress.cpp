#include "attnlim/io/progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/core.h>

#include "attnlim/core/ranks.hpp"

namespace attnlim {

ProgressReporter::ProgressReporter(const Options& options, Clock clock, Sink sink)
    : options_(options), clock_(std::move(clock)), sink_(std::move(sink)) {
  start_ = phase_start_ = clock_();
}

ProgressCallback ProgressReporter::callback() {
  return [this](const ProgressUpdate& u) { update(u); };
}

std::string ProgressReporter::duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds >= 100.0 * 86400) return fmt::format("{:.0f}d", seconds / 86400);
  const long s = std::lround(seconds);
  if (s >= 86400) return fmt::format("{}d{:02}h", s / 86400, (s / 3600) % 24);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

std::string ProgressReporter::format(const ProgressUpdate& u, double elapsed, double rate) {
  const double percent = u.total > 0 ? 100.0 * u.done / u.total : 0.0;
  const double eta = rate > 0 ? (u.total - u.done) / rate : std::nan("");
  return fmt::format("{}: {:.1f}% of {:.4g} {}, {:.3g} {}/s, {} elapsed, ETA {}", u.what, percent, u.total, u.unit,
                     rate, u.unit, duration(elapsed), duration(eta));
}

void ProgressReporter::update(const ProgressUpdate& u) {
  if (options_.quiet) return;
  const double now = clock_();
  // A new phase (the count starting over: verify's locality after its critical runs) gets its own rate: the
  // work before it was of another kind and must not dilute this one's keys/s and ETA. (A total that grows,
  // a retried pass added to the plan, is the same phase.)
  if (u.done < last_done_) {
    phase_start_ = now;
    phase_done_ = u.done;
  }
  last_done_ = u.done;
  const double elapsed = now - start_, in_phase = now - phase_start_;
  if (elapsed < options_.silent_seconds) return;
  if (in_phase < options_.min_rate_seconds) return;  // too young a phase for a rate
  const double interval = options_.terminal ? options_.terminal_interval : options_.plain_interval;
  if (shown_ && now - last_shown_ < interval) return;
  const double rate = (u.done - phase_done_) / in_phase;
  std::string line = format(u, elapsed, rate);
  const double eta = rate > 0 ? (u.total - u.done) / rate : 0.0;
  if (!warned_ && eta > options_.long_run_seconds) {
    line = fmt::format("long run: about {} more at this rate (Ctrl-C stops it cleanly); {}", duration(eta), line);
    warned_ = true;
  }
  sink_(options_.terminal ? "\r\033[K" + line : line + "\n");
  shown_ = true;
  last_shown_ = now;
}

void ProgressReporter::finish() {
  if (shown_ && options_.terminal && !options_.quiet) sink_("\n");
  shown_ = false;
}

ProgressReporter stderr_reporter(bool quiet) {
  ProgressReporter::Options options;
  options.quiet = quiet || !is_root_process();  // an MPI job: rank 0 shows the progress of all ranks
  options.terminal = ::isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  return ProgressReporter(
      options, [start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); },
      [](const std::string& text) {
        std::fputs(text.c_str(), stderr);
        std::fflush(stderr);
      });
}

}  // namespace attnlim
