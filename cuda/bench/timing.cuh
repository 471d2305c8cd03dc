// Small RAII helpers for the benchmark paths: a CUDA-event stopwatch and a one-value device buffer.
#pragma once
#include <cuda_runtime.h>

#include "../check.cuh"

namespace attnlim::cuda {

// Elapsed device time between start() and stop_seconds() on the default stream.
class EventTimer {
 public:
  EventTimer() {
    ATTNLIM_CUDA_CHECK(cudaEventCreate(&start_));
    const cudaError_t status = cudaEventCreate(&stop_);
    if (status != cudaSuccess) {
      cudaEventDestroy(start_);
      detail::throw_cuda_error(static_cast<int>(status), "cudaEventCreate(&stop_)", __FILE__, __LINE__);
    }
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  void start() { ATTNLIM_CUDA_CHECK(cudaEventRecord(start_)); }
  double stop_seconds() {
    ATTNLIM_CUDA_CHECK(cudaEventRecord(stop_));
    ATTNLIM_CUDA_CHECK(cudaEventSynchronize(stop_));
    float milliseconds = 0.0f;
    ATTNLIM_CUDA_CHECK(cudaEventElapsedTime(&milliseconds, start_, stop_));
    return 1e-3 * static_cast<double>(milliseconds);
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// One value of T in device memory, zeroed on creation and by clear().
template <class T>
class DeviceScalar {
 public:
  DeviceScalar() {
    ATTNLIM_CUDA_CHECK(cudaMalloc(&value_, sizeof(T)));
    try {
      clear();
    } catch (...) {
      cudaFree(value_);
      throw;
    }
  }
  ~DeviceScalar() { cudaFree(value_); }
  DeviceScalar(const DeviceScalar&) = delete;
  DeviceScalar& operator=(const DeviceScalar&) = delete;

  T* get() { return value_; }
  void clear() { ATTNLIM_CUDA_CHECK(cudaMemset(value_, 0, sizeof(T))); }
  T read() const {
    T host{};
    ATTNLIM_CUDA_CHECK(cudaMemcpy(&host, value_, sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* value_ = nullptr;
};

}  // namespace attnlim::cuda
