// Stopping a run cleanly when asked (SIGINT, SIGTERM, Python's KeyboardInterrupt). Whoever catches the
// request calls request_stop (async-signal-safe: one lock-free atomic store); engines check stop_requested()
// between blocks of work (CPU work units, GPU launches) and drivers between points, and throw Interrupted,
// which unwinds to the caller with no output half-written.
#pragma once
#include <atomic>
#include <stdexcept>
#include <string>

namespace attnlim {

namespace detail {
inline std::atomic<int>& stop_signal() {
  static std::atomic<int> signal{0};
  return signal;
}
}  // namespace detail

// Records that the run should stop; `signal` says why (SIGINT = 2, SIGTERM = 15; 0 is not a request).
inline void request_stop(int signal) { detail::stop_signal().store(signal, std::memory_order_relaxed); }
inline bool stop_requested() { return detail::stop_signal().load(std::memory_order_relaxed) != 0; }
inline int stop_reason() { return detail::stop_signal().load(std::memory_order_relaxed); }
// Forgets a request (a new run in the same process, e.g. in Python after a KeyboardInterrupt).
inline void clear_stop() { detail::stop_signal().store(0, std::memory_order_relaxed); }

// The run stopped because it was asked to; `signal` is the reason given to request_stop.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal) : std::runtime_error("interrupted"), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

inline void throw_if_stop_requested() {
  if (const int signal = stop_reason()) throw Interrupted(signal);
}

static_assert(std::atomic<int>::is_always_lock_free, "request_stop must be async-signal-safe");

}  // namespace attnlim
