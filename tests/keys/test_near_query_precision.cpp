// Keys next to the query keep their distance to full relative precision. Box-Muller's angle turn * pi
// (turn = 2U in (0, 2)) must be reduced exactly before sin and cos: sin(turn * pi) after rounding turn * pi
// has an absolute error of ~ulp(2 pi) = 8.9e-16, which is most of the value next to the multiples of pi,
// exactly where the angle puts a key next to q (d = 2) or a coordinate next to 0 (d = 3). The reference
// here reduces in long double to the nearest multiple of pi, cos through sin (an independent route).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "attnlim/engine/cpu_blocks.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/keys/uniform.hpp"
#include "support/reference_distance.hpp"

using namespace attnlim;

namespace {

const long double kPi = 3.141592653589793238462643383279502884L;

// sin(pi x) in long double with x reduced exactly to the nearest whole k: (-1)^k sin(pi (x - k)).
long double sinpi_reference(long double x) {
  const long double k = std::round(x);
  const long double sign = std::fmod(std::fabs(k), 2.0L) == 1.0L ? -1.0L : 1.0L;
  return sign * std::sin(kPi * (x - k));  // x - k is exact
}

// sin(pi x) and cos(pi x) = sin(pi (x + 1/2)) (x + 1/2 is exact for the angle words' turns).
void sincospi_reference(long double x, long double& s, long double& c) {
  s = sinpi_reference(x);
  c = sinpi_reference(x + 0.5L);
}

// Key `key`'s normals z_0 .. z_{d-1} (d <= 4: block 0) in long double from the same words.
std::vector<long double> reference_normals(const KeyStream& stream, int d) {
  const Philox4 block = stream.block(0);
  std::vector<long double> z;
  for (int pair = 0; pair < 2 && 2 * pair < d; ++pair) {
    const long double u0 = (static_cast<long double>(block.v[2 * pair]) + 0.5L) / 4294967296.0L;
    const long double u1 = (static_cast<long double>(block.v[2 * pair + 1]) + 0.5L) / 4294967296.0L;
    const long double radius = std::sqrt(-2.0L * std::log(u0));
    long double s, c;
    sincospi_reference(2.0L * u1, s, c);
    z.push_back(radius * c);
    z.push_back(radius * s);
  }
  z.resize(d);
  return z;
}

long double reference_key_distance(const KeyStream& stream, int d) {
  const std::vector<long double> z = reference_normals(stream, d);
  long double perp_sq = 0;
  for (int j = 1; j < d; ++j) perp_sq += z[j] * z[j];
  return attnlim_test::reference_distance(z[0], perp_sq);
}

}  // namespace

// The angle words where the rounding of turn * pi hurts most: next to every quarter turn.
TEST(NearQueryPrecision, PolarPairAtTheWorstWords) {
  const std::uint32_t words[] = {0u,          1u,          2u,          0x3ffffffeu, 0x3fffffffu, 0x40000000u,
                                 0x7ffffffeu, 0x7fffffffu, 0x80000000u, 0x80000001u, 0xbfffffffu, 0xc0000000u,
                                 0xfffffffdu, 0xfffffffeu, 0xffffffffu, 0x12345678u, 0x9abcdef0u};
  double worst = 0;
  for (std::uint32_t w : words) {
    double z0, z1;
    polar_pair(1.0, w, z0, z1);
    long double s, c;
    sincospi_reference(2.0L * ((static_cast<long double>(w) + 0.5L) / 4294967296.0L), s, c);
    worst = std::max(worst, static_cast<double>(std::fabs((z0 - c) / c)));
    worst = std::max(worst, static_cast<double>(std::fabs((z1 - s) / s)));
  }
  EXPECT_LE(worst, 4e-16) << "relative error of (cos, sin)(pi turn) at the worst angle words";
}

// The nearest keys of 1e7 (d = 2) and 3e6 (d = 3), through the engine's production block loop (the AVX2
// accelerator where it runs, the core otherwise): their distances against long double.
TEST(NearQueryPrecision, NearestKeysOfManyAgainstLongDouble) {
  for (int d : {2, 3}) {
    RunSpec spec;
    spec.keys = UniformKeys{d};
    spec.tier = SamplerTier::full;
    spec.betas = {0.0};
    spec.top_k = 64;
    spec.seed = 20261202;
    spec.n = KeyCount::exact(d == 2 ? 10'000'000 : 3'000'000);
    double worst = 0;
    for (std::uint32_t trial : {0u, 1u}) {
      const TrialState st = cpu::run_block(spec, trial, 0, spec.n.count());
      ASSERT_EQ(st.top_size, 64);
      for (int i = 0; i < st.top_size; ++i) {
        const long double ref = reference_key_distance(KeyStream{spec.seed, trial, st.top_index[i]}, d);
        worst = std::max(worst, static_cast<double>(std::fabs(st.top_distance[i] / ref - 1.0L)));
      }
      EXPECT_LT(st.top_distance[0], d == 2 ? 1e-12 : 2e-6);  // really next to the query
    }
    EXPECT_LE(worst, 1e-14) << "d = " << d << ": worst relative error of the 64 nearest distances";
  }
}
