// The CUDA backend's host-facing functions (HOOMD style: plain C++ declarations, so no caller ever sees
// nvcc). Built from cuda/ when nvcc is found; otherwise host/engine/cuda_stub.cpp, whose available() is
// false with the reason and whose other functions throw DeviceError. The launch plan is host arithmetic
// (host/engine/cuda_plan.cpp), built and tested with or without CUDA.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "attnlim/engine/run_spec.hpp"
#include "attnlim/state/trial_state.hpp"

namespace attnlim::cuda {

// True when the backend was compiled and a CUDA device can be used; otherwise false, and *why
// (if given) says why in a few words ("built without CUDA", "no CUDA device: <cuda error>").
bool available(std::string* why = nullptr);

// Name of the current device (0 unless select_device chose another), e.g. "NVIDIA H100 80GB HBM3".
std::string device_name();
// Makes device local_rank mod (device count) current for this process (MPI ranks on one node take one GPU
// each) and returns its number; -1 (and nothing changed) where there is no device.
int select_device(int local_rank);

// Keys per trial per launch of the fused kernel: bounds one launch's time (the stop check and the progress
// line come between launches); memory never depends on it. The default is sized by the cost of a key
// (default_chunk_keys): the most keys for the cheapest configurations, fewer where each key costs more.
constexpr std::uint64_t kDefaultChunkKeys = std::uint64_t{1} << 28;  // the most
constexpr std::uint64_t kMinDefaultChunkKeys = std::uint64_t{1} << 16;
// Work units per launch: kDefaultChunkKeys keys at 16 units a key (d = 8 with 8 betas, or d = 3 with 13).
constexpr double kLaunchWorkUnits = 16.0 * static_cast<double>(kDefaultChunkKeys);
// A key's cost in work units: its d coordinates, and per beta its sums and its share of the weighted key sum
// (d - 1 more with --output-vector): d + betas (1 + tangent_dim).
double key_cost_units(const RunSpec& spec);
// kLaunchWorkUnits / key_cost_units, within [kMinDefaultChunkKeys, kDefaultChunkKeys]: 2^28 keys at d = 3, one
// beta; 516k keys at d = 128 with 64 betas and the output vector (8320 units a key).
std::uint64_t default_chunk_keys(const RunSpec& spec);
// Threads per block of the fused kernel.
constexpr int kFusedThreads = 128;
// Ceiling for the --output-vector per-thread scratch (the grid shrinks to fit; one block at least).
constexpr std::uint64_t kVectorScratchBytes = std::uint64_t{512} << 20;

struct LaunchOptions {
  std::uint64_t chunk = 0;                  // keys per trial per launch; 0: default_chunk_keys (tests use small values)
  std::uint64_t max_blocks = 0;             // cap on blocks per launch; 0: one full wave of the device
  // The fused kernel's two exact shortcuts (bench/NOTES.md): a batch of keys skips the betas whose weights all
  // underflow, and a key farther than its trial's k-th nearest so far skips the top-k buffer. With
  // accelerate_keys off they change no bit of the results (CudaFused.ShortcutsChangeNoBit); with it, the seeded
  // threshold enters the accelerator's rule, so uniform full-tier sums may move by rounding. false runs the
  // kernel without them, for that test and the benchmark's side by side (attnlim_bench --backend cuda-plain).
  bool shortcuts = true;
  // A model's device accelerator (cuda/fused/thread.cuh: DeviceAccelerator; uniform keys' full tier without
  // --output-vector: one log per product of up to 16 uniforms for the middle pairs' squared radii, as the CPU's
  // AVX2 batch does, keys/uniform.hpp), from a trial's second launch on. A key that may be a new minimum or enter
  // the top-k is recomputed by the model's sampler, so count, minimum and top-k are bitwise those without it; the
  // sums move by rounding (CudaFused.AcceleratedKeysChangeOnlyTheSumsRounding). false: every key from the sampler
  // (attnlim_bench --backend cuda-exact-keys).
  bool accelerate_keys = true;
  // Per-beta sums spread over a warp (bench/NOTES.md): without --output-vector, the 32 lanes of a warp walk
  // their 32 keys in key order, lane l summing betas l and l + 32, so the sums stay in registers instead of the
  // thread's local arrays. The same results to rounding (another summation order; CudaFused.WarpSumsMatchCpuBackend);
  // off by default until a device measures it (attnlim_bench --backend cuda-warp). Uniform keys without the
  // output vector only for now (its own kernel instantiation): otherwise the run is refused (InputError).
  bool warp_sums = false;
  // Each trial folded inside the fused kernel by the trial's last block to finish a launch (cuda/fused/trial.cuh):
  // its blocks' partial sums in block order and the k nearest of their candidates, so that a launch needs no
  // candidate sort (CUB) and no merge kernel after it (bench/NOTES.md: the review predicted 1.5-3x at moderate n,
  // where those and their launches weigh against short fused launches; my estimate is 1.1-1.3x). The same bits
  // either way at the same launch plan (CudaFused.FoldInKernelChangesNoBit); the plan follows the launched kernel's
  // occupancy, and uniform keys' kernel without the fold's code may fit more blocks per multiprocessor, so where a
  // launch's chunk fills more than the resident blocks (~3.8e6 keys on an H100) the two grids, and the sums'
  // rounding, may differ (counts, minima and top-k do not). false: the sort and merge kernels after each launch
  // (attnlim_bench --backend cuda-merge).
  bool fold_in_kernel = true;
};

// The states of the range's trials over its keys: the same contract and the same random stream as the CPU
// engine (a few ulps, identical top-k). Validates first (InputError); DeviceError on any CUDA failure.
// Between launches: keys done to `progress` and the stop check (Interrupted, core/stop.hpp).
std::vector<TrialState> run(const RunSpec& spec, const WorkRange& range, const LaunchOptions& options = {},
                            const std::function<void(double)>& progress = {});

// How run lays out its launches.
struct LaunchPlan {
  int threads = kFusedThreads;           // per block
  std::uint64_t blocks_per_trial = 1;    // gridDim.x: blocks sharing one trial's key range
  std::uint64_t trials_per_launch = 1;   // gridDim.y: trials handled side by side
  std::uint64_t chunk = 1;               // keys per trial per launch
  std::uint64_t launches_per_trial = 1;  // ceil(keys / chunk)
  std::uint64_t scratch_bytes = 0;       // --output-vector per-thread scratch
  std::uint64_t device_bytes = 0;        // all buffers run allocates (CUB's sort storage estimated)
};
// resident_blocks: fused-kernel blocks the device holds at once (SM count x occupancy).
LaunchPlan plan_launch(const RunSpec& spec, const WorkRange& range, std::uint64_t resident_blocks,
                       const LaunchOptions& options);

// Philox4x32-10 blocks computed on the device with cuRAND's curand_Philox4x32_10 for counters
// (i lo, i hi, trial, draw), i = first .. first + count - 1, key = seed; 4 words per counter, in order.
// Used by the test that proves the host Philox bit-identical to cuRAND.
std::vector<std::uint32_t> curand_philox_blocks(std::uint64_t seed, std::uint32_t trial, std::uint32_t draw,
                                                std::uint64_t first, std::uint64_t count);

namespace detail {
// Throws DeviceError("file:line: call: <cudaGetErrorString(code)>"); file reduced to its base name.
[[noreturn]] void throw_cuda_error(int code, const char* call, const char* file, int line);
}  // namespace detail

}  // namespace attnlim::cuda
