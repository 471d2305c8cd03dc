// Device discovery, error reporting, and cuRAND's Philox for the bit-identity test.
#include <curand_philox4x32_x.h>  // device API, header-only: curand_Philox4x32_10(uint4, uint2)

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "attnlim/core/errors.hpp"
#include "attnlim/engine/cuda_runtime.hpp"
#include "check.cuh"
#include "device_array.cuh"

namespace attnlim::cuda {

namespace detail {

void throw_cuda_error(int code, const char* call, const char* file, int line) {
  // A failed call also leaves its error as the runtime's last error, and the next launch check
  // (cudaGetLastError) would report it again against an innocent kernel: the host emulator's first run showed
  // a failed cudaMalloc resurface as "launch of fused_trial_kernel: out of memory". Clear it (a sticky error
  // stays: it is returned again by every later call anyway).
  cudaGetLastError();
  const char* base = std::strrchr(file, '/');
  base = base ? base + 1 : file;
  throw DeviceError(std::string(base) + ":" + std::to_string(line) + ": " + call + ": " +
                    cudaGetErrorString(static_cast<cudaError_t>(code)));
}

}  // namespace detail

namespace {

// Does nothing; its attributes tell whether this binary carries code the device can run.
__global__ void probe_kernel() {}

// One thread per counter i: cuRAND's own Philox4x32-10 on (i lo, i hi, trial, draw) under (seed lo, hi).
__global__ void curand_philox_kernel(std::uint64_t seed, std::uint32_t trial, std::uint32_t draw,
                                     std::uint64_t first, std::uint64_t count, std::uint32_t* words) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    const std::uint64_t counter = first + i;
    const uint4 block = curand_Philox4x32_10(
        make_uint4(static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), trial, draw),
        make_uint2(static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)));
    words[4 * i + 0] = block.x;
    words[4 * i + 1] = block.y;
    words[4 * i + 2] = block.z;
    words[4 * i + 3] = block.w;
  }
}

}  // namespace

bool available(std::string* why) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    if (why) *why = std::string("no CUDA device: ") + cudaGetErrorString(status);
    return false;
  }
  if (count == 0) {
    if (why) *why = "no CUDA device: the driver reports 0 devices";
    return false;
  }
  cudaFuncAttributes attributes;
  status = cudaFuncGetAttributes(&attributes, probe_kernel);
  if (status != cudaSuccess) {
    cudaGetLastError();
    cudaDeviceProp prop;
    std::string device = "device 0";
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
      device = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ")";
    if (why) *why = "no usable kernel image for " + device + ": " + cudaGetErrorString(status);
    return false;
  }
  if (why) why->clear();
  return true;
}

int select_device(int local_rank) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();
    return -1;
  }
  const int device = local_rank % count;
  ATTNLIM_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

std::string device_name() {
  int device = 0;
  ATTNLIM_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop;
  ATTNLIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

std::vector<std::uint32_t> curand_philox_blocks(std::uint64_t seed, std::uint32_t trial, std::uint32_t draw,
                                                std::uint64_t first, std::uint64_t count) {
  if (count == 0) return {};
  DeviceArray<std::uint32_t> buffer(4 * count);  // before any host copy: too large is a DeviceError
  constexpr int kThreads = 256;
  const std::uint64_t blocks = std::min<std::uint64_t>((count + kThreads - 1) / kThreads, 65535);
  launch(curand_philox_kernel, static_cast<unsigned>(blocks), kThreads, 0, seed, trial, draw, first, count,
         buffer.get());
  ATTNLIM_CUDA_CHECK_LAUNCH(curand_philox_kernel);
  return buffer.download(4 * count);
}

}  // namespace attnlim::cuda
