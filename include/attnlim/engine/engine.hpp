// The engine seam (DESIGN.md): an Engine turns a RunSpec and a WorkRange into per-trial states. Drivers
// take an Engine& and never name a concrete backend; make_engine picks one.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attnlim/core/errors.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim {

constexpr int kMaxThreads = 4096;  // --threads

// Called by an engine from the caller's thread as work completes, with the keys done so far in this call
// (all trials of the range together). Engines call it between blocks of work, never per key.
using KeysDone = std::function<void(double keys_done)>;

enum class EngineChoice { automatic, cpu, cuda };
// "auto" | "cpu" | "cuda"; throws InputError naming `backend`.
EngineChoice parse_engine_choice(const std::string& name);

// How an engine runs, not what it computes (results depend on these only through rounding).
struct EngineOptions {
  int threads = 0;                            // CPU threads (0: OpenMP's default)
  std::uint64_t chunk_keys = 1u << 16;        // CPU keys per work block
};
void validate(const EngineOptions& options);  // InputError naming `threads` or `chunk`

class Engine {
 public:
  explicit Engine(const EngineOptions& options) : options_(options) {}
  virtual ~Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  virtual std::string name() const = 0;    // "cpu", "cuda": the JSON's backend
  virtual std::string device() const = 0;  // what runs it: "2 OpenMP threads", a GPU's name
  virtual bool accelerator() const = 0;    // a device that makes large n cheap (drivers size work by it)
  // What KeysDone counts: "keys" (per-key engines), or "trials" (the order-statistics engine, whose cost per
  // trial does not depend on n).
  virtual const char* work_unit() const { return "keys"; }
  // Why this engine cannot run `spec` (the field and the problem), or nothing.
  virtual std::optional<InputError> refusal(const RunSpec& spec) const = 0;
  bool supports(const RunSpec& spec, std::string* why = nullptr) const;

  // validate(spec, range), then the engine's refusal as an InputError, then the states of the range's
  // trials in trial order. Between blocks of work the engine reports keys done and checks for a stop
  // request (core/stop.hpp): a run asked to stop throws Interrupted within about a second.
  std::vector<TrialState> run(const RunSpec& spec, const WorkRange& range, const KeysDone& progress = {});
  const EngineOptions& options() const { return options_; }

 protected:
  virtual std::vector<TrialState> run_range(const RunSpec& spec, const WorkRange& range, const KeysDone& progress) = 0;

 private:
  EngineOptions options_;
};

// Whether `choice` can run here; *why says why not ("no CUDA device: ...").
bool engine_available(EngineChoice choice, std::string* why = nullptr);
// automatic: CUDA when a device is present, else the CPU. Throws InputError naming `backend` when the
// choice cannot run here, or naming `threads`/`chunk` for bad options.
std::unique_ptr<Engine> make_engine(EngineChoice choice, const EngineOptions& options = {});
// The order-statistics engine (--sampler order; host/order/order_engine.cpp): any n >= 1, held as log n, for
// key models with a Beta-family distance law (keys/distance_law.hpp). Top-k reports ranks, not key indices.
std::unique_ptr<Engine> make_order_engine(const EngineOptions& options = {});

}  // namespace attnlim
