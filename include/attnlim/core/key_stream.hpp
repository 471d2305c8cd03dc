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
  // Where this stream's draw 0 is in the key's draws: a sampler hands a sub-stream (e.g. one rejection
  // attempt of a proposal sampler) to another by shifting it, so the two never read the same block.
  std::uint32_t first_draw = 0;

  // Block number `draw` of this stream: draws 0, 1, 2, ... are independent blocks of 4 words.
  ATTNLIM_HD Philox4 block(std::uint32_t draw) const { return key_block(seed, trial, key, first_draw + draw); }
  // The stream from this one's draw `offset` on.
  ATTNLIM_HD KeyStream shifted(std::uint32_t offset) const { return KeyStream{seed, trial, key, first_draw + offset}; }
};

}  // namespace attnlim
