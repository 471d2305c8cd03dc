// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), written to be
// bit-identical to cuRAND's curand_Philox4x32_10(uint4 counter, uint2 key). Counter layout used by
// attnlim: (key index lo, key index hi, trial, draw); key: the 64-bit seed (lo, hi).
#pragma once
#include "attnlim/core/common.hpp"

namespace attnlim {

struct Philox4 {
  std::uint32_t v[4];
};

namespace detail {
constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

ATTNLIM_HD void philox_round(std::uint32_t c[4], std::uint32_t k0, std::uint32_t k1) {
  const std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * c[0];
  const std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * c[2];
  const std::uint32_t hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
  const std::uint32_t hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
  const std::uint32_t c1 = c[1], c3 = c[3];
  c[0] = hi1 ^ c1 ^ k0;
  c[1] = lo1;
  c[2] = hi0 ^ c3 ^ k1;
  c[3] = lo0;
}
}  // namespace detail

// One Philox4x32-10 block: 4 random 32-bit words for counter c under key k.
ATTNLIM_HD Philox4 philox4x32_10(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                                 std::uint32_t k0, std::uint32_t k1) {
  std::uint32_t c[4] = {c0, c1, c2, c3};
ATTNLIM_UNROLL
  for (int round = 0; round < 9; ++round) {
    detail::philox_round(c, k0, k1);
    k0 += detail::kPhiloxW0;
    k1 += detail::kPhiloxW1;
  }
  detail::philox_round(c, k0, k1);
  return Philox4{{c[0], c[1], c[2], c[3]}};
}

// The block attnlim uses for (seed, trial, key index, draw).
ATTNLIM_HD Philox4 key_block(std::uint64_t seed, std::uint32_t trial, std::uint64_t key_index,
                             std::uint32_t draw) {
  return philox4x32_10(static_cast<std::uint32_t>(key_index), static_cast<std::uint32_t>(key_index >> 32), trial,
                       draw, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

}  // namespace attnlim
