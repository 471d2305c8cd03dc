// The unfused baseline (benchmark only): what a user would write with library calls. cuRAND's host API
// materialises chunk x d normals, a kernel turns each key's d normals into its distance, Thrust reduces
// the min and, one pass per beta, the sums (s0, s1, s2); CUB radix-sorts the chunk for its top-k; the
// host merges chunks and trials with TrialState::merge. cuRAND's host library (libcurand.so.10) is loaded at
// run time, on first use: this toolkit ships no static cuRAND, and the binaries must start on a GPU machine
// that has only the driver (there, materialize_then_reduce alone says that it cannot run). Uniform keys only
// (its distances are uniform keys').
#include <dlfcn.h>

#include <cub/device/device_radix_sort.cuh>
#include <curand.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/reduce.h>
#include <thrust/system_error.h>
#include <thrust/transform_reduce.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "../check.cuh"
#include "../device_array.cuh"
#include "attnlim/core/errors.hpp"
#include "attnlim/core/frame.hpp"
#include "attnlim/core/softmax.hpp"
#include "attnlim/engine/cuda_bench.hpp"
#include "timing.cuh"

#define ATTNLIM_CURAND_CHECK(call) ::attnlim::cuda::check_curand((call), #call, __FILE__, __LINE__)

namespace attnlim::cuda {
namespace {

constexpr std::uint64_t kNormalsBytes = std::uint64_t{512} << 20;  // ceiling of the materialised chunk
constexpr int kDistanceThreads = 256;

void check_curand(curandStatus_t status, const char* call, const char* file, int line) {
  if (status == CURAND_STATUS_SUCCESS) return;
  const char* base = std::strrchr(file, '/');
  base = base ? base + 1 : file;
  throw DeviceError(std::string(base) + ":" + std::to_string(line) + ": " + call + ": cuRAND status " +
                    std::to_string(static_cast<int>(status)));
}

// Normals are coordinate-major (coordinate j of key i at j * keys + i): coalesced reads.
__global__ void distances_from_normals(const double* normals, std::uint64_t keys, int d, std::uint64_t first_key,
                                       double* distance, std::uint64_t* index) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < keys; i += stride) {
    const double g1 = normals[i];
    double perp_sq = 0.0;
    for (int j = 1; j < d; ++j) {
      const double z = normals[static_cast<std::uint64_t>(j) * keys + i];
      perp_sq += z * z;
    }
    distance[i] = distance_from_parts(g1, perp_sq);
    index[i] = first_key + i;
  }
}

struct MinOf {
  __host__ __device__ double operator()(double a, double b) const { return b < a ? b : a; }
};
// The three per-key terms of one beta relative to the chunk minimum.
struct BetaTerms {
  double beta, min_distance;
  __host__ __device__ BetaSums operator()(double e) const {
    const double excess = e - min_distance;
    const double t = exp(-beta * excess);
    return BetaSums{t, t * excess, t * t};
  }
};
struct SumOfBetaSums {
  __host__ __device__ BetaSums operator()(const BetaSums& a, const BetaSums& b) const {
    return BetaSums{a.s0 + b.s0, a.s1 + b.s1, a.s2 + b.s2};
  }
};

template <class T>
T* raw(DeviceArray<T>& v) {
  return v.get();
}

// The four host-API functions the baseline calls, from libcurand.so.10 (or libcurand.so) found by dlopen.
struct CurandHost {
  decltype(&curandCreateGenerator) create = nullptr;
  decltype(&curandSetPseudoRandomGeneratorSeed) seed = nullptr;
  decltype(&curandGenerateNormalDouble) normals = nullptr;
  decltype(&curandDestroyGenerator) destroy = nullptr;
  std::string why;  // empty when loaded
};

const CurandHost& curand_host() {
  static const CurandHost host = [] {
    CurandHost h;
    void* library = nullptr;
    for (const char* name : {"libcurand.so.10", "libcurand.so"})
      if ((library = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
    if (!library) {
      const char* error = dlerror();
      h.why = std::string("cuRAND's host library was not found (") + (error ? error : "libcurand.so.10") +
              "); add its folder to LD_LIBRARY_PATH";
      return h;
    }
    h.create = reinterpret_cast<decltype(h.create)>(dlsym(library, "curandCreateGenerator"));
    h.seed = reinterpret_cast<decltype(h.seed)>(dlsym(library, "curandSetPseudoRandomGeneratorSeed"));
    h.normals = reinterpret_cast<decltype(h.normals)>(dlsym(library, "curandGenerateNormalDouble"));
    h.destroy = reinterpret_cast<decltype(h.destroy)>(dlsym(library, "curandDestroyGenerator"));
    if (!h.create || !h.seed || !h.normals || !h.destroy) h.why = "libcurand lacks a host-API function";
    return h;
  }();
  return host;
}

struct Generator {
  curandGenerator_t handle = nullptr;
  const CurandHost& api = curand_host();
  explicit Generator(std::uint64_t seed) {
    if (!api.why.empty()) throw DeviceError(api.why);
    ATTNLIM_CURAND_CHECK(api.create(&handle, CURAND_RNG_PSEUDO_PHILOX4_32_10));
    try {
      ATTNLIM_CURAND_CHECK(api.seed(handle, seed));
    } catch (...) {
      api.destroy(handle);
      throw;
    }
  }
  ~Generator() { api.destroy(handle); }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
};

// Device buffers for one chunk, reused by every chunk and trial.
struct Workspace {
  int d;
  std::uint64_t chunk;
  DeviceArray<double> normals, distance, sorted_distance;
  DeviceArray<std::uint64_t> index, sorted_index;
  DeviceArray<unsigned char> sort_storage;
  Workspace(int d_, std::uint64_t chunk_)
      : d(d_), chunk(chunk_), normals((chunk_ * d_ + 1) / 2 * 2), distance(chunk_), sorted_distance(chunk_),
        index(chunk_), sorted_index(chunk_) {}
};

// Keys [first_key, first_key + keys) of one trial: generate, score, reduce; returns the chunk's state.
TrialState reduce_chunk(const RunSpec& config, Generator& generator, Workspace& w, std::uint64_t first_key,
                        std::uint64_t keys) {
  const int nb = static_cast<int>(config.betas.size());
  const std::uint64_t count_normals = (keys * w.d + 1) / 2 * 2;  // cuRAND's normals come in pairs
  ATTNLIM_CURAND_CHECK(generator.api.normals(generator.handle, raw(w.normals), count_normals, 0.0, 1.0));
  const std::uint64_t blocks = std::min<std::uint64_t>((keys + kDistanceThreads - 1) / kDistanceThreads, 1u << 16);
  launch(distances_from_normals, static_cast<unsigned>(blocks), kDistanceThreads, 0, raw(w.normals), keys, w.d,
         first_key, raw(w.distance), raw(w.index));
  ATTNLIM_CUDA_CHECK_LAUNCH(distances_from_normals);

  TrialState state(nb, 0, config.top_k);
  state.count = keys;
  const auto begin = thrust::device_pointer_cast(w.distance.get()), end = begin + keys;
  state.min_distance = thrust::reduce(thrust::device, begin, end, std::numeric_limits<double>::infinity(), MinOf{});
  for (int b = 0; b < nb; ++b) {
    const BetaTerms terms{config.betas[b], state.min_distance};
    const BetaSums sums =
        thrust::transform_reduce(thrust::device, begin, end, terms, BetaSums{0.0, 0.0, 0.0}, SumOfBetaSums{});
    state.s0[b] = sums.s0;
    state.s1[b] = sums.s1;
    state.s2[b] = sums.s2;
  }
  if (config.top_k > 0) {
    // Stable radix sort of indices in ascending order: ties come out by index, as on the host.
    std::size_t bytes = 0;
    ATTNLIM_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, raw(w.distance), raw(w.sorted_distance),
                                                       raw(w.index), raw(w.sorted_index), keys));
    w.sort_storage.reserve(bytes);
    ATTNLIM_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(raw(w.sort_storage), bytes, raw(w.distance),
                                                       raw(w.sorted_distance), raw(w.index), raw(w.sorted_index),
                                                       keys));
    const int size = static_cast<int>(std::min<std::uint64_t>(keys, static_cast<std::uint64_t>(config.top_k)));
    ATTNLIM_CUDA_CHECK(cudaMemcpy(state.top_distance.data(), raw(w.sorted_distance), size * sizeof(double),
                                  cudaMemcpyDeviceToHost));
    ATTNLIM_CUDA_CHECK(cudaMemcpy(state.top_index.data(), raw(w.sorted_index), size * sizeof(std::uint64_t),
                                  cudaMemcpyDeviceToHost));
    state.top_size = size;
  }
  return state;
}

std::vector<TrialState> materialize_trials(const RunSpec& config, std::uint64_t trials, Generator& generator,
                                           Workspace& w) {
  const int nb = static_cast<int>(config.betas.size());
  const std::uint64_t n = config.n.count();
  std::vector<TrialState> result(trials, TrialState(nb, 0, config.top_k));
  for (std::uint64_t t = 0; t < trials; ++t)
    for (std::uint64_t first = 0; first < n; first += w.chunk)
      result[t].merge(reduce_chunk(config, generator, w, first, std::min(w.chunk, n - first)), config.betas.data());
  return result;
}

MaterializeResult materialize_on_device(const RunSpec& config, std::uint64_t trials, std::uint64_t first_trial) {
  MaterializeResult out;
  const std::uint64_t d = static_cast<std::uint64_t>(config.d());
  const std::uint64_t n = config.n.count();
  out.chunk_keys = std::max<std::uint64_t>(1, std::min(n, kNormalsBytes / (sizeof(double) * d)));
  Workspace w(config.d(), out.chunk_keys);

  RunSpec warm = config;  // loads cuRAND's, Thrust's and CUB's kernels before timing
  warm.n = KeyCount::exact(std::min<std::uint64_t>(n, 4096));
  warm.top_k = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(config.top_k), warm.n.count()));
  {
    Generator warm_generator(config.seed ^ 0x5bd1e995u);
    materialize_trials(warm, 1, warm_generator, w);
  }

  // Shards (first_trial) get distinct streams; the stream is cuRAND's, not attnlim's.
  Generator generator(config.seed ^ (first_trial * 0x9E3779B97F4A7C15ull));
  EventTimer timer;
  timer.start();
  out.states = materialize_trials(config, trials, generator, w);
  out.seconds = timer.stop_seconds();
  return out;
}

}  // namespace

MaterializeResult materialize_then_reduce(const RunSpec& config, std::uint64_t trials, std::uint64_t first_trial) {
  validate(config, WorkRange::all_keys(config, trials, first_trial));
  if (config.output_vector) throw InputError("output_vector", "materialize_then_reduce does not support it");
  if (!std::holds_alternative<UniformKeys>(config.keys))
    throw InputError("keys", "materialize_then_reduce draws uniform keys only");
  try {
    return materialize_on_device(config, trials, first_trial);
  } catch (const DeviceError&) {
    throw;
  } catch (const thrust::system_error& e) {
    throw DeviceError(std::string("materialize.cu: device vector operation failed: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw DeviceError("materialize.cu: device allocation failed (out of memory)");
  }
}

bool curand_host_available(std::string* why) {
  if (why) *why = curand_host().why;
  return curand_host().why.empty();
}

}  // namespace attnlim::cuda
