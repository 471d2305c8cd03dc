// An owning device allocation that never throws from its destructor. After a sticky device error
// (illegal address, trap) every cudaFree fails; thrust::device_vector's deallocator throws then, inside
// noexcept, and the process dies in std::terminate with no message. DeviceArray ignores a failed free, so
// the error that caused it reaches the user as a DeviceError with file:line.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "check.cuh"

namespace attnlim::cuda {

template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(std::size_t count) { resize(count); }
  ~DeviceArray() { release(); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  DeviceArray(DeviceArray&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(other.size_) {}
  DeviceArray& operator=(DeviceArray&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = other.size_;
    }
    return *this;
  }

  // Drops the contents; at least `count` elements afterwards (never shrinks).
  void reserve(std::size_t count) {
    if (count <= size_) return;
    release();
    ATTNLIM_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)));
    size_ = count;
  }
  void resize(std::size_t count) {
    release();
    if (count) ATTNLIM_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)));
    size_ = count;
  }

  T* get() { return data_; }
  const T* get() const { return data_; }
  std::size_t size() const { return size_; }

  void zero() {
    if (size_) ATTNLIM_CUDA_CHECK(cudaMemset(data_, 0, size_ * sizeof(T)));
  }
  void fill(const T& value) { upload(std::vector<T>(size_, value)); }
  void upload(const std::vector<T>& host) {
    if (!host.empty()) ATTNLIM_CUDA_CHECK(cudaMemcpy(data_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download(std::size_t count) const {
    std::vector<T> host(count);
    if (count) ATTNLIM_CUDA_CHECK(cudaMemcpy(host.data(), data_, count * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  void release() noexcept {
    if (data_) cudaFree(data_);  // a failed free is ignored (see above)
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace attnlim::cuda
