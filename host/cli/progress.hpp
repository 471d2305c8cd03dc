// Progress lines on stderr: rewritten in place on a terminal, one quiet line each otherwise.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

namespace attnlim::cli {

inline std::function<void(const std::string&)> stderr_progress(const std::string& prefix) {
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  return [terminal, prefix](const std::string& message) {
    if (terminal)
      std::fprintf(stderr, "\r\033[K%s%s", prefix.c_str(), message.c_str());
    else
      std::fprintf(stderr, "%s%s\n", prefix.c_str(), message.c_str());
    std::fflush(stderr);
  };
}

inline void end_progress_line() {
  if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
}

}  // namespace attnlim::cli
