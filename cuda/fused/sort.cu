#include <cub/device/device_segmented_radix_sort.cuh>

#include "device_steps.cuh"

namespace attnlim::cuda::fused {

void sort_candidates(const double* distance, const std::uint64_t* index, double* sorted_distance,
                     std::uint64_t* sorted_index, std::uint64_t segments, std::uint64_t segment_length,
                     const int* offsets, DeviceArray<unsigned char>& storage) {
  const int items = static_cast<int>(segments * segment_length);
  const int count = static_cast<int>(segments);
  std::size_t bytes = 0;
  ATTNLIM_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(nullptr, bytes, distance, sorted_distance, index,
                                                              sorted_index, items, count, offsets, offsets + 1));
  storage.reserve(bytes);
  ATTNLIM_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(storage.get(), bytes, distance, sorted_distance, index,
                                                              sorted_index, items, count, offsets, offsets + 1));
}

}  // namespace attnlim::cuda::fused
