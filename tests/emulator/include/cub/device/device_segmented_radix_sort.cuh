// The host emulator's cub::DeviceSegmentedRadixSort::SortPairs (tests/emulator/README.md): a stable sort of
// each segment by CUB's radix order of the key bits, in which (CUB 3's documentation) -0.0 and +0.0 are equal;
// the values follow their keys. The first call (temporary storage null) asks for one byte; the full bit range
// only.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <vector>

namespace cub {

struct DeviceSegmentedRadixSort {
  template <class Key, class Value, class Offset>
  static cudaError_t SortPairs(void* temp, std::size_t& temp_bytes, const Key* keys_in, Key* keys_out,
                               const Value* values_in, Value* values_out, int items, int segments,
                               Offset begin_offsets, Offset end_offsets, int begin_bit = 0,
                               int end_bit = sizeof(Key) * 8, cudaStream_t = nullptr) {
    static_assert(std::is_same_v<Key, double>, "the emulator sorts double keys only (cuda/ sorts distances)");
    if (temp == nullptr) {
      temp_bytes = 1;
      return cudaSuccess;
    }
    if (items < 0 || segments < 0 || temp_bytes < 1 || begin_bit != 0 || end_bit != int{sizeof(Key) * 8})
      return cudaErrorInvalidValue;
    auto radix = [](double key) {  // CUB's bit twiddle: unsigned order of the result is the radix order
      if (key == 0.0) key = 0.0;    // -0.0 sorts as +0.0
      std::uint64_t bits;
      std::memcpy(&bits, &key, sizeof bits);
      return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
    };
    std::vector<int> order;
    for (int s = 0; s < segments; ++s) {
      const int begin = begin_offsets[s], end = end_offsets[s];
      if (begin < 0 || end < begin || end > items) return cudaErrorInvalidValue;
      order.resize(static_cast<std::size_t>(end - begin));
      std::iota(order.begin(), order.end(), begin);
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return radix(keys_in[a]) < radix(keys_in[b]); });
      std::vector<Key> keys(order.size());
      std::vector<Value> values(order.size());
      for (std::size_t i = 0; i < order.size(); ++i) {
        keys[i] = keys_in[order[i]];
        values[i] = values_in[order[i]];
      }
      std::copy(keys.begin(), keys.end(), keys_out + begin);
      std::copy(values.begin(), values.end(), values_out + begin);
    }
    return cudaSuccess;
  }
};

}  // namespace cub
