// The host emulator's cub::BlockReduce (tests/emulator/README.md): every thread writes its value to the
// temporary storage, one barrier, thread 0 folds the values in thread order. As in CUB, the aggregate is
// valid in thread 0 only; the other threads get their own input back, so a kernel that reads the aggregate
// elsewhere computes wrong numbers and its CPU-twin test fails. Like CUB's, the storage may be reused only
// after a __syncthreads.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace cub {

template <class T, int BlockThreads>
class BlockReduce {
 public:
  struct TempStorage {
    T value[BlockThreads];
  };
  explicit BlockReduce(TempStorage& storage) : storage_(storage) {}

  template <class Op>
  T Reduce(T input, Op op) {
    if (blockDim.x != BlockThreads || blockDim.y != 1 || blockDim.z != 1)  // CUB would read slots nobody wrote
      throw std::logic_error("cub::BlockReduce<T, " + std::to_string(BlockThreads) + "> in a block of " +
                             std::to_string(blockDim.x) + " x " + std::to_string(blockDim.y) + " x " +
                             std::to_string(blockDim.z) + " threads");
    storage_.value[threadIdx.x] = input;
    __syncthreads();
    if (threadIdx.x != 0) return input;
    T total = storage_.value[0];
    for (unsigned t = 1; t < blockDim.x; ++t) total = op(total, storage_.value[t]);
    return total;
  }
  T Sum(T input) {
    return Reduce(input, [](const T& a, const T& b) { return a + b; });
  }

 private:
  TempStorage& storage_;
};

}  // namespace cub
