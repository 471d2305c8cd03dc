// How closely pinned numbers must match (test_pinned_values.cpp): to 1e-12 relative. The same build on
// another x86-64 machine moves the last digits: libm's and libmvec's exp, log and sin are correctly rounded
// nowhere, and glibc picks their code by the CPU (ifuncs). Pins written on an earlier development machine
// differed in 51 numbers on an AVX-512 Xeon (glibc 2.36-9+deb12u14), by up to 9.7e-15 relative among those
// printed: all sums over keys at full tier, and spreads of such sums. Without the AVX2 batch path (libm
// instead of libmvec) they move by a few ulps more. A change of method moves numbers by far more than 1e-12.
#pragma once

namespace attnlim_test {

inline double pinned_relative_tolerance() { return 1e-12; }

}  // namespace attnlim_test
