// Error checking for CUDA calls and kernel launches: every failure becomes attnlim::DeviceError with
// "file:line: <call>: <cudaGetErrorString>", which the CLI prints as one line.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
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

namespace attnlim::cuda {

// kernel<<<grid, block, shared_bytes>>>(args...): the one spelling of a launch, which the host emulator
// (tests/emulator) runs as fibers. Check it with ATTNLIM_CUDA_CHECK_LAUNCH as before.
template <class... Params, class... Args>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t shared_bytes, const Args&... args) {
#if defined(ATTNLIM_EMULATED_DEVICE)
  if (attnlim_emu::arguments_on_device(args...))
    attnlim_emu::launch(reinterpret_cast<const void*>(kernel), grid, block, shared_bytes, [&] { kernel(args...); });
#else
  kernel<<<grid, block, shared_bytes>>>(args...);
#endif
}

}  // namespace attnlim::cuda

// `extern __shared__ type name[]`: the block's dynamic shared memory (the host emulator's own spelling there).
#if defined(ATTNLIM_EMULATED_DEVICE)
#define ATTNLIM_DYNAMIC_SHARED(type, name) ATTNLIM_EMULATED_DYNAMIC_SHARED(type, name)
#else
#define ATTNLIM_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

namespace attnlim::cuda::detail {

inline void check_launch(const char* kernel, const char* file, int line) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess)
    throw_cuda_error(static_cast<int>(status), (std::string("launch of ") + kernel).c_str(), file, line);
}

}  // namespace attnlim::cuda::detail
