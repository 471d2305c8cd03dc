// Benchmark-only device paths of the CUDA backend. Defined only when the CUDA backend is compiled
// (ATTNLIM_WITH_CUDA); materialize_then_reduce also needs cuRAND's host library, which it loads at run time
// (curand_host_available says whether it can). Every function throws DeviceError on a CUDA failure.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim::cuda {

// Raw Philox4x32-10 limit: `blocks` blocks (counters (i, 0, 0), key seed) xor-folded into *checksum
// (64 bits: words 0|1 xor words 2|3). Seconds of the timed launch, after a warm-up launch.
double philox_rate_seconds(std::uint64_t blocks, std::uint64_t seed, std::uint64_t* checksum = nullptr);

// Normal-generation limit: ceil(normals / 4) Philox blocks turned into 4 Box-Muller normals each (the
// core's normals4) and summed into *checksum. Seconds of the timed launch, after a warm-up launch.
double normal_rate_seconds(std::uint64_t normals, std::uint64_t seed, double* checksum = nullptr);

// The fused path over `trials` trials of every key, timed with CUDA events after a warm-up run (states optional).
double fused_seconds(const RunSpec& spec, std::uint64_t trials, std::vector<TrialState>* states = nullptr,
                     const LaunchOptions& options = {});

// The unfused path users would write: cuRAND host API fills chunk x d normals, a kernel turns them into
// distances, Thrust/CUB reduce min, per-beta sums and top-k; chunks and trials are merged on the host.
// Statistically (not bitwise) equal to run: a different random stream. Uniform keys only, no output vector.
struct MaterializeResult {
  std::vector<TrialState> states;
  double seconds = 0.0;          // timed with CUDA events after a warm-up pass
  std::uint64_t chunk_keys = 0;  // keys materialised at once (chunk x d normals <= 512 MiB)
};
MaterializeResult materialize_then_reduce(const RunSpec& spec, std::uint64_t trials, std::uint64_t first_trial = 0);
// Whether libcurand.so.10 (cuRAND's host API, for materialize_then_reduce) can be loaded; *why says why not.
bool curand_host_available(std::string* why = nullptr);

}  // namespace attnlim::cuda
