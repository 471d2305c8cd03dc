// What every long command does around its run: a progress reporter on stderr (--quiet turns it off) whose
// line is ended however the run ends.
#pragma once
#include "attnlim/io/progress.hpp"

namespace attnlim::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool quiet) : reporter_(stderr_reporter(quiet)) {}
  ~ProgressLine() { reporter_.finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ProgressCallback callback() { return reporter_.callback(); }
  // Ends the line on a terminal before something else is printed (the next update starts a new one).
  void end() { reporter_.finish(); }

 private:
  ProgressReporter reporter_;
};

}  // namespace attnlim::cli
