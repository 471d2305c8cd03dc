// The CPU engine: OpenMP over fixed blocks of chunk_keys keys, merged in a fixed order, so results are
// bitwise independent of the thread count and depend on chunk_keys only through rounding.
#include <omp.h>

#include <algorithm>

#include <fmt/core.h>

#include "attnlim/core/stop.hpp"
#include "attnlim/engine/cpu_blocks.hpp"
#include "block_function.hpp"
#include "../engine/engines.hpp"

namespace attnlim {

namespace cpu {

std::vector<TrialState> run_trials(const RunSpec& spec, const WorkRange& range, const EngineOptions& options,
                                   const KeysDone& progress) {
  validate(spec, range);
  validate(options);
  const BlockFunction block = picked_block_function(spec);
  const int num_betas = static_cast<int>(spec.betas.size());
  const std::uint64_t keys = range.key_end - range.key_begin;
  const std::uint64_t chunk = options.chunk_keys;
  const std::uint64_t blocks_per_trial = keys / chunk + (keys % chunk != 0);
  const std::uint64_t total_units = blocks_per_trial * range.trials;
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  // Work units (trial, block) in waves: blocks are computed in parallel, then merged into their trial
  // strictly in block order, so the result does not depend on the thread count. Between waves: progress
  // and the stop check (a unit is ~1 ms to ~10 ms of one thread; units of a stopped wave are skipped).
  const std::uint64_t wave = std::max<std::uint64_t>(256, 8 * static_cast<std::uint64_t>(threads));
  double keys_done = 0;
  std::vector<TrialState> result(range.trials, TrialState(num_betas, spec.tangent_dim(), spec.top_k));
  std::vector<TrialState> partial(std::min(wave, total_units));
  for (std::uint64_t first = 0; first < total_units; first += wave) {
    const std::int64_t count = static_cast<std::int64_t>(std::min(wave, total_units - first));
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::int64_t u = 0; u < count; ++u) {
      if (stop_requested()) continue;
      const std::uint64_t unit = first + static_cast<std::uint64_t>(u);
      const std::uint64_t trial = unit / blocks_per_trial, b = unit % blocks_per_trial;
      const std::uint64_t begin = range.key_begin + b * chunk;
      const std::uint64_t end = std::min(range.key_end, begin + chunk);
      partial[u] = block(spec, static_cast<std::uint32_t>(range.first_trial + trial), begin, end);
    }
    throw_if_stop_requested();
    for (std::int64_t u = 0; u < count; ++u) {
      const std::uint64_t trial = (first + static_cast<std::uint64_t>(u)) / blocks_per_trial;
      result[trial].merge(partial[u], spec.betas.data());
      keys_done += static_cast<double>(partial[u].count);
    }
    if (progress) progress(keys_done);
  }
  return result;
}

}  // namespace cpu

namespace {

class CpuEngine final : public Engine {
 public:
  explicit CpuEngine(const EngineOptions& options) : Engine(options) {}
  std::string name() const override { return "cpu"; }
  std::string device() const override {
    return fmt::format("{} OpenMP threads", options().threads > 0 ? options().threads : omp_get_max_threads());
  }
  bool accelerator() const override { return false; }
  std::optional<InputError> refusal(const RunSpec& spec) const override { return refuse_uncounted_n(spec, name()); }

 protected:
  std::vector<TrialState> run_range(const RunSpec& spec, const WorkRange& range, const KeysDone& progress) override {
    return cpu::run_trials(spec, range, options(), progress);
  }
};

}  // namespace

std::unique_ptr<Engine> make_cpu_engine(const EngineOptions& options) { return std::make_unique<CpuEngine>(options); }

}  // namespace attnlim
