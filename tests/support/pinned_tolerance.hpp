// How exactly pinned numbers must match (test_pinned_values.cpp): exactly where the pins' own code path
// runs (x86-64 with AVX2: the CPU backend's batch path with libmvec), 1e-12 relative elsewhere (libm's
// exp and log differ from libmvec's by a few ulps, which moves the sums' last digits).
#pragma once

namespace attnlim_test {

inline bool pins_code_path() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

inline double pinned_relative_tolerance() { return pins_code_path() ? 0.0 : 1e-12; }

inline const char* pinned_tolerance_reason() {
  return pins_code_path() ? "the pins' code path" : "no AVX2 batch path here: libm instead of libmvec";
}

}  // namespace attnlim_test
