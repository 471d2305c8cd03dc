// The random stream of one key: Philox4x32-10 blocks with counter (key lo, key hi, trial, draw) under the
// seed as Philox key (DESIGN.md principle 1). Every sampler draws a key's randomness from its KeyStream
// only, so the same (seed, trial, key) gives the same key on any backend, chunking, thread or rank.
#pragma once
#include <cstdint>

#include "attnlim/core/common.hpp"
#include "attnlim/core/philox.hpp"

namespace attnlim {

struct KeyStream {
  std::uint64_t seed;
  std::uint32_t trial;
  std::uint64_t key;

  // Block number `draw` of this key: draws 0, 1, 2, ... are independent blocks of 4 words.
  ATTNLIM_HD Philox4 block(std::uint32_t draw) const { return key_block(seed, trial, key, draw); }
};

}  // namespace attnlim
