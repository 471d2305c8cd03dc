// Macros and limits shared by host and device code.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define ATTNLIM_HD __host__ __device__ __forceinline__
#else
#define ATTNLIM_HD inline
#endif

// Loop unrolling hint for nvcc; a no-op elsewhere (host compilers unroll on their own).
#if defined(__CUDACC__)
#define ATTNLIM_UNROLL _Pragma("unroll")
#else
#define ATTNLIM_UNROLL
#endif

namespace attnlim {

// Fixed capacities of the per-trial state: they size register/local arrays on the device.
constexpr int kMaxBetas = 64;  // betas evaluated in one pass over the keys
constexpr int kMaxTopK = 64;   // nearest keys kept per trial

constexpr double kPi = 3.14159265358979323846;  // pi rounded to double (host and device)

}  // namespace attnlim
