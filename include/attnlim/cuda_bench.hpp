// Benchmark-only device paths and launch tuning of the CUDA backend. Defined only when the CUDA backend
// is compiled (ATTNLIM_WITH_CUDA); materialize_then_reduce also needs cuRAND's host library linked
// (ATTNLIM_WITH_CURAND_HOST). Every function throws DeviceError on a CUDA failure.
#pragma once
#include <cstdint>
#include <vector>

#include "attnlim/config.hpp"
#include "attnlim/state.hpp"

namespace attnlim::cuda {

// Keys per trial per launch of the fused kernel: bounds one launch's time; memory never depends on it.
constexpr std::uint64_t kDefaultChunkKeys = std::uint64_t{1} << 28;
// Threads per block of the fused kernel.
constexpr int kFusedThreads = 128;
// Ceiling for the --output-vector per-thread scratch (the grid shrinks to fit; one block at least).
constexpr std::uint64_t kVectorScratchBytes = std::uint64_t{512} << 20;

struct LaunchOptions {
  std::uint64_t chunk = kDefaultChunkKeys;  // keys per trial per launch (tests use small values)
  std::uint64_t max_blocks = 0;             // cap on blocks per launch; 0: one full wave of the device
};

// run_trials (cuda_backend.hpp) with explicit launch options; results differ by rounding only.
std::vector<TrialState> run_trials(const SimConfig& config, const LaunchOptions& options);

// How run_trials lays out its launches; pure host arithmetic, so it is testable without a device.
struct LaunchPlan {
  int threads = kFusedThreads;          // per block
  std::uint64_t blocks_per_trial = 1;   // gridDim.x: blocks sharing one trial's key range
  std::uint64_t trials_per_launch = 1;  // gridDim.y: trials handled side by side
  std::uint64_t chunk = 1;              // keys per trial per launch
  std::uint64_t launches_per_trial = 1;  // ceil(n / chunk)
  std::uint64_t scratch_bytes = 0;      // --output-vector per-thread scratch
  std::uint64_t device_bytes = 0;       // all buffers run_trials allocates (CUB's sort storage estimated)
};
// resident_blocks: fused-kernel blocks the device holds at once (SM count x occupancy).
LaunchPlan plan_launch(const SimConfig& config, std::uint64_t resident_blocks, const LaunchOptions& options);

// Raw Philox4x32-10 limit: `blocks` blocks (counters (i, 0, 0), key seed) xor-folded into *checksum
// (64 bits: words 0|1 xor words 2|3). Seconds of the timed launch, after a warm-up launch.
double philox_rate_seconds(std::uint64_t blocks, std::uint64_t seed, std::uint64_t* checksum = nullptr);

// Normal-generation limit: ceil(normals / 4) Philox blocks turned into 4 Box-Muller normals each (the
// core's normals4) and summed into *checksum. Seconds of the timed launch, after a warm-up launch.
double normal_rate_seconds(std::uint64_t normals, std::uint64_t seed, double* checksum = nullptr);

// The fused path timed with CUDA events after a warm-up run (states optional).
double fused_seconds(const SimConfig& config, std::vector<TrialState>* states = nullptr);

// The unfused path users would write: cuRAND host API fills chunk x d normals, a kernel turns them into
// distances, Thrust/CUB reduce min, per-beta sums and top-k; chunks and trials are merged on the host.
// Statistically (not bitwise) equal to run_trials: a different random stream. No --output-vector.
struct MaterializeResult {
  std::vector<TrialState> states;
  double seconds = 0.0;        // timed with CUDA events after a warm-up pass
  std::uint64_t chunk_keys = 0;  // keys materialised at once (chunk x d normals <= 512 MiB)
};
MaterializeResult materialize_then_reduce(const SimConfig& config);

namespace detail {
// Throws DeviceError("file:line: call: <cudaGetErrorString(code)>"); file reduced to its base name.
[[noreturn]] void throw_cuda_error(int code, const char* call, const char* file, int line);
}  // namespace detail

}  // namespace attnlim::cuda
