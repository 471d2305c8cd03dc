// Error checking for CUDA calls and kernel launches: every failure becomes attnlim::DeviceError with
// "file:line: <call>: <cudaGetErrorString>", which the CLI prints as one line.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "attnlim/engine/cuda_runtime.hpp"

// Check a CUDA runtime call.
#define ATTNLIM_CUDA_CHECK(call)                                                          \
  do {                                                                                    \
    const cudaError_t attnlim_status_ = (call);                                           \
    if (attnlim_status_ != cudaSuccess)                                                   \
      ::attnlim::cuda::detail::throw_cuda_error(static_cast<int>(attnlim_status_), #call, \
                                                __FILE__, __LINE__);                      \
  } while (0)

// Check the launch just made: configuration errors show at once; execution errors surface at the
// next synchronising call, which is itself checked.
#define ATTNLIM_CUDA_CHECK_LAUNCH(kernel) ::attnlim::cuda::detail::check_launch(#kernel, __FILE__, __LINE__)

namespace attnlim::cuda::detail {

inline void check_launch(const char* kernel, const char* file, int line) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess)
    throw_cuda_error(static_cast<int>(status), (std::string("launch of ") + kernel).c_str(), file, line);
}

}  // namespace attnlim::cuda::detail
