// The host emulator's stand-in for <cuda_runtime.h> (tests/emulator/README.md). cuda/'s sources compile with
// the host compiler against this header: kernels are plain functions run by tests/emulator/emulator.cpp, one
// fiber per CUDA thread, blocks on the host's cores; device memory is host memory with a guard page after
// every allocation. It declares only what cuda/ uses (and the warp operations, for changes to come); anything
// else fails to compile, on purpose.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <functional>
#include <string>
#include <type_traits>

#define ATTNLIM_EMULATED_DEVICE 1

// Execution-space qualifiers: nothing on the host.
#define __host__
#define __device__
#define __global__
#define __forceinline__ inline
#define __launch_bounds__(...)
// Shared memory: one instance per host thread, and a host thread runs one block at a time (emulator.cpp).
#define __shared__ static thread_local
// `extern __shared__ T name[]` has no host spelling; cuda/check.cuh's ATTNLIM_DYNAMIC_SHARED uses this.
#define ATTNLIM_EMULATED_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(::attnlim_emu::dynamic_shared())

struct uint2 {
  unsigned int x, y;
};
struct uint3 {
  unsigned int x, y, z;
};
struct uint4 {
  unsigned int x, y, z, w;
};
inline uint2 make_uint2(unsigned int x, unsigned int y) { return uint2{x, y}; }
inline uint4 make_uint4(unsigned int x, unsigned int y, unsigned int z, unsigned int w) { return uint4{x, y, z, w}; }

struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
};

// The built-in variables of the block the calling host thread is running.
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

// Device functions cuda/ calls that the host's <cmath> lacks.
inline long long min(long long a, long long b) { return b < a ? b : a; }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevice = 101,
  cudaErrorLaunchFailure = 719,
};
using cudaError = cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};
enum cudaDeviceAttr {
  cudaDevAttrMultiProcessorCount = 16,
  cudaDevAttrMaxSharedMemoryPerBlockOptin = 97,
};
enum cudaFuncAttribute {
  cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
};

struct cudaDeviceProp {
  char name[256];
  int major, minor;
  int multiProcessorCount;
};
struct cudaFuncAttributes {
  int maxThreadsPerBlock;
};
using cudaEvent_t = struct attnlim_emu_event*;
using cudaStream_t = struct attnlim_emu_stream*;

const char* cudaGetErrorString(cudaError_t error);
cudaError_t cudaGetLastError();
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device);

cudaError_t cudaMalloc(void** pointer, std::size_t bytes);
template <class T>
cudaError_t cudaMalloc(T** pointer, std::size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(pointer), bytes);
}
cudaError_t cudaFree(void* pointer);
cudaError_t cudaMemset(void* pointer, int value, std::size_t bytes);
cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind);

cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t stop);

namespace attnlim_emu {

// Occupancy the emulated device reports for any kernel: blocks per multiprocessor for block_size threads.
int occupancy(int block_size);
// Runs body once per thread of grid x block (blocks in parallel on the host's cores, the threads of a block
// as fibers switched at __syncthreads), with `shared_bytes` of dynamic shared memory per block: at most 48 KiB,
// or up to 227 KiB where cudaFuncSetAttribute raised the kernel's limit (kernel may be null: no attribute).
void launch(const void* kernel, dim3 grid, dim3 block, std::size_t shared_bytes, const std::function<void()>& body);
// Records cudaFuncAttributeMaxDynamicSharedMemorySize for a kernel.
cudaError_t set_dynamic_shared_limit(const void* kernel, int bytes);
// Whether p lies in a live device allocation.
bool is_device_pointer(const void* p);
// Fails the next launch's way: a sticky cudaErrorLaunchFailure with the message on stderr.
void fail_launch(const std::string& why);

// A kernel's pointer arguments must be null or device memory: a host pointer that works here would fault on a
// device. (Pointers inside structures passed by value are not seen.)
template <class... Args>
bool arguments_on_device(const Args&... args) {
  int position = 0;
  bool ok = true;
  auto check = [&](const auto& arg) {
    ++position;
    if constexpr (std::is_pointer_v<std::decay_t<decltype(arg)>>) {
      if (ok && arg != nullptr && !is_device_pointer(arg)) {
        ok = false;
        fail_launch("kernel argument " + std::to_string(position) + " is a host pointer");
      }
    }
  };
  (check(args), ...);
  return ok;
}
unsigned char* dynamic_shared();
// A barrier at file:line; every thread of the block must reach the same one (compute-sanitizer's synccheck).
void syncthreads(const char* file, int line);

}  // namespace attnlim_emu

template <class Kernel>
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, Kernel, int block_size, std::size_t) {
  *blocks = attnlim_emu::occupancy(block_size);
  return cudaSuccess;
}
template <class Kernel>
cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* attributes, Kernel) {
  attributes->maxThreadsPerBlock = 1024;
  return cudaSuccess;
}
template <class Kernel>
cudaError_t cudaFuncSetAttribute(Kernel kernel, cudaFuncAttribute attribute, int value) {
  if (attribute != cudaFuncAttributeMaxDynamicSharedMemorySize) return cudaErrorInvalidValue;
  return attnlim_emu::set_dynamic_shared_limit(reinterpret_cast<const void*>(kernel), value);
}

// A macro so that the barrier knows its place: a block whose threads wait at different barriers, or some at a
// barrier while others have ended, fails its launch (cudaErrorLaunchFailure) with both places named.
#define __syncthreads() ::attnlim_emu::syncthreads(__FILE__, __LINE__)

// Warp operations: each is a stop like __syncthreads, for the lanes of its mask only (emulator.cpp). Every lane
// of the mask must reach the same one (file:line, as often, with the same mask), else the launch fails naming
// both places; a lane reading another lane outside the mask fails it too. Values of up to 8 bytes.
constexpr int warpSize = 32;

namespace attnlim_emu {

// Deposits value at the warp operation file:line and returns the 32 deposits of the caller's warp once every
// lane of mask has arrived (only the mask's lanes are meaningful).
const std::uint64_t* warp_exchange(const char* file, int line, unsigned mask, std::uint64_t value);
void warp_lane_outside_mask(const char* file, int line, int lane, int from, unsigned mask);  // throws

inline int lane_id() {
  return static_cast<int>((threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) % 32u);
}
template <class T>
std::uint64_t to_bits(T value) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp operations move values of up to 8 bytes");
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof value);
  return bits;
}
template <class T>
T from_bits(std::uint64_t bits) {
  T value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}
// The shuffles: `from(lane, base)` is the source lane (base: the first lane of the caller's width segment).
template <class T, class From>
T shuffle(const char* file, int line, unsigned mask, T value, int width, From from) {
  if (width < 1 || width > 32 || (width & (width - 1)) != 0)
    throw std::logic_error(std::string("warp shuffle at ") + file + ":" + std::to_string(line) +
                           ": width must be a power of 2 up to 32");
  const std::uint64_t* lanes = warp_exchange(file, line, mask, to_bits(value));
  const int lane = lane_id(), source = from(lane, lane & ~(width - 1));
  if (!(mask >> source & 1u)) warp_lane_outside_mask(file, line, lane, source, mask);
  return from_bits<T>(lanes[source]);
}
template <class T>
T shfl_sync(const char* file, int line, unsigned mask, T value, int src, int width = 32) {
  return shuffle(file, line, mask, value, width, [&](int, int base) { return base + (src & (width - 1)); });
}
template <class T>
T shfl_up_sync(const char* file, int line, unsigned mask, T value, unsigned delta, int width = 32) {
  return shuffle(file, line, mask, value, width, [&](int lane, int base) {
    return lane - static_cast<int>(delta) >= base ? lane - static_cast<int>(delta) : lane;
  });
}
template <class T>
T shfl_down_sync(const char* file, int line, unsigned mask, T value, unsigned delta, int width = 32) {
  return shuffle(file, line, mask, value, width, [&](int lane, int base) {
    return lane + static_cast<int>(delta) < base + width ? lane + static_cast<int>(delta) : lane;
  });
}
// A later segment's lane is out of reach: the caller's own value (the programming guide's rule for width < 32).
template <class T>
T shfl_xor_sync(const char* file, int line, unsigned mask, T value, int lane_mask, int width = 32) {
  return shuffle(file, line, mask, value, width, [&](int lane, int base) {
    const int target = lane ^ lane_mask;
    return target < base + width && target < 32 ? target : lane;
  });
}
inline unsigned ballot_sync(const char* file, int line, unsigned mask, int predicate) {
  const std::uint64_t* lanes = warp_exchange(file, line, mask, predicate != 0);
  unsigned bits = 0;
  for (int l = 0; l < 32; ++l)
    if ((mask >> l & 1u) && lanes[l]) bits |= 1u << l;
  return bits;
}
// __syncwarp(mask = all lanes): a callable that knows its place, so that the macro needs no comma elision.
struct SyncWarp {
  const char* file;
  int line;
  void operator()(unsigned mask = 0xffffffffu) const { warp_exchange(file, line, mask, 0); }
};

}  // namespace attnlim_emu

#define __shfl_sync(...) ::attnlim_emu::shfl_sync(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_up_sync(...) ::attnlim_emu::shfl_up_sync(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_down_sync(...) ::attnlim_emu::shfl_down_sync(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_xor_sync(...) ::attnlim_emu::shfl_xor_sync(__FILE__, __LINE__, __VA_ARGS__)
#define __ballot_sync(mask, predicate) ::attnlim_emu::ballot_sync(__FILE__, __LINE__, mask, predicate)
#define __any_sync(mask, predicate) (::attnlim_emu::ballot_sync(__FILE__, __LINE__, mask, predicate) != 0u)
#define __all_sync(mask, predicate) \
  (::attnlim_emu::ballot_sync(__FILE__, __LINE__, mask, predicate) == (mask))
#define __syncwarp(...) ::attnlim_emu::SyncWarp{__FILE__, __LINE__}(__VA_ARGS__)

// Atomics: blocks run concurrently on host threads.
// __threadfence: a full fence between host threads; __ldcg (a load past L1 on a device): an atomic load, so that
// a block reading what blocks on other host threads wrote is not a data race for the host compiler.
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
template <class T>
inline T __ldcg(const T* address) {
  T value;
  __atomic_load(address, &value, __ATOMIC_RELAXED);
  return value;
}
inline unsigned long long atomicXor(unsigned long long* address, unsigned long long value) {
  return __atomic_fetch_xor(address, value, __ATOMIC_RELAXED);
}
inline unsigned long long atomicAdd(unsigned long long* address, unsigned long long value) {
  return __atomic_fetch_add(address, value, __ATOMIC_RELAXED);
}
inline double atomicAdd(double* address, double value) {
  double old = 0.0;
  __atomic_load(address, &old, __ATOMIC_RELAXED);
  for (;;) {
    double desired = old + value;
    if (__atomic_compare_exchange(address, &old, &desired, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return old;
  }
}
