// The host emulator's own properties (tests/emulator/README.md): barriers separate phases, CUB's block
// reduction folds every thread, thread order can be reversed, memory faults and errors behave as on a device,
// warp operations follow their definitions and divergent ones fail the launch.
// Named Cuda* so that the Emulated.Cuda* filter runs them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include <cub/block/block_reduce.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <cuda_runtime.h>

namespace {

constexpr int kThreads = 64;

// Thread t writes t into shared memory, waits, reads its neighbour's value, waits again, and sums the block
// with cub::BlockReduce; thread 0 publishes both, and thread 1 what BlockReduce gave it (its own input: CUB
// leaves it undefined, the emulator makes a misuse visible).
__global__ void neighbour_kernel(int* neighbour, long long* total, long long* second) {
  __shared__ int slot[kThreads];
  __shared__ typename cub::BlockReduce<long long, kThreads>::TempStorage temp;
  const int t = static_cast<int>(threadIdx.x);
  slot[t] = t + 1000 * static_cast<int>(blockIdx.x);
  __syncthreads();
  neighbour[blockIdx.x * kThreads + t] = slot[(t + 1) % kThreads];
  const long long sum = cub::BlockReduce<long long, kThreads>(temp).Sum(t);
  if (t == 0) total[blockIdx.x] = sum;
  if (t == 1) second[blockIdx.x] = sum;
}

// A race: thread 0 reads what the last thread writes, with no barrier between them.
__global__ void racy_kernel(int* out) {
  __shared__ int value;
  if (threadIdx.x == 0) value = 1;
  if (threadIdx.x == kThreads - 1) value = 2;
  __syncthreads();
  if (threadIdx.x == 0) *out = value;
}

__global__ void throwing_kernel() {
  if (threadIdx.x == 3) throw std::runtime_error("thread 3 fails");
}

__global__ void overrun_kernel(double* data, int count) { data[count] = 1.0; }

// Two kinds of divergent barrier: thread 0 waits at another __syncthreads than the rest; thread 5 ends while the
// rest wait.
__global__ void divergent_kernel() {
  if (threadIdx.x == 0) {
    __syncthreads();
  } else {
    __syncthreads();
  }
}
__global__ void early_exit_kernel() {
  if (threadIdx.x == 5) return;
  __syncthreads();
}

// Warp operations: 3 warps of 32 lanes; per thread, 9 results.
constexpr int kWarpThreads = 96;
constexpr int kWarpResults = 9;
__global__ void warp_kernel(long long* out) {
  const int t = static_cast<int>(threadIdx.x), lane = t % 32, warp = t / 32;
  const long long v = t + 1000 * static_cast<long long>(blockIdx.x);
  long long* mine = out + (blockIdx.x * kWarpThreads + t) * kWarpResults;
  long long down = v;  // a tree sum: lane 0 ends with the warp's total
  for (int offset = 16; offset > 0; offset /= 2) down += __shfl_down_sync(0xffffffffu, down, offset);
  long long butterfly = v;  // every lane ends with it
  for (int m = 1; m < 32; m *= 2) butterfly += __shfl_xor_sync(0xffffffffu, butterfly, m);
  mine[0] = lane == 0 ? down : -1;
  mine[1] = butterfly;
  mine[2] = __shfl_sync(0xffffffffu, v, 5);
  mine[3] = __shfl_up_sync(0xffffffffu, v, 1);
  mine[4] = __shfl_sync(0xffffffffu, v, 3, 8);  // lane 3 of each group of 8
  mine[5] = __ballot_sync(0xffffffffu, lane % 3 == 0);
  mine[8] = __shfl_down_sync(0xffffffffu, v, 3, 16);  // 3 lanes on within each half warp, else its own
  // Two halves with their own masks at two different places, then the whole warp again.
  if (lane < 16) {
    mine[6] = __shfl_xor_sync(0x0000ffffu, v, 1);
  } else {
    mine[6] = __shfl_xor_sync(0xffff0000u, v, 2);
  }
  __syncwarp();
  // A loop whose trip count differs between warps (not within one), then a barrier for the whole block.
  long long turns = 0;
  for (int i = 0; i <= warp; ++i) turns += __any_sync(0xffffffffu, lane == i) && __all_sync(0xffffffffu, lane < 32);
  __syncthreads();
  mine[7] = turns;
}

// Faults: half a warp leaves a full-mask shuffle; a lane reads a lane outside its mask; the two halves wait at
// different shuffles; a full mask in a block whose last warp has 16 lanes.
__global__ void warp_half_exits_kernel(int* out) {
  if (threadIdx.x % 32 >= 16) return;
  out[threadIdx.x] = __shfl_sync(0xffffffffu, 1, 0);
}
__global__ void warp_outside_mask_kernel(int* out) {
  if (threadIdx.x % 32 < 16) out[threadIdx.x] = __shfl_sync(0x0000ffffu, 1, 20);
}
__global__ void warp_split_kernel(int* out) {
  if (threadIdx.x % 32 < 16) {
    out[threadIdx.x] = __shfl_sync(0xffffffffu, 1, 0);
  } else {
    out[threadIdx.x] = __shfl_sync(0xffffffffu, 2, 0);
  }
}
__global__ void warp_short_kernel(int* out) { out[threadIdx.x] = __shfl_sync(0xffffffffu, 1, 0); }

template <class T>
T* device_alloc(std::size_t count) {
  T* p = nullptr;
  EXPECT_EQ(cudaMalloc(&p, count * sizeof(T)), cudaSuccess);
  return p;
}

}  // namespace

TEST(CudaEmulator, BarriersSeparatePhasesAndBlockReduceFoldsEveryThread) {
  constexpr int blocks = 5;
  int* neighbour = device_alloc<int>(blocks * kThreads);
  long long* total = device_alloc<long long>(blocks);
  long long* second = device_alloc<long long>(blocks);
  attnlim_emu::launch(nullptr, dim3(blocks), dim3(kThreads), 0, [&] { neighbour_kernel(neighbour, total, second); });
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  std::vector<int> n(blocks * kThreads);
  std::vector<long long> s(blocks);
  ASSERT_EQ(cudaMemcpy(n.data(), neighbour, n.size() * sizeof(int), cudaMemcpyDeviceToHost), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(s.data(), total, s.size() * sizeof(long long), cudaMemcpyDeviceToHost), cudaSuccess);
  std::vector<long long> s1(blocks);
  ASSERT_EQ(cudaMemcpy(s1.data(), second, s1.size() * sizeof(long long), cudaMemcpyDeviceToHost), cudaSuccess);
  for (long long x : s1) EXPECT_EQ(x, 1);
  for (int b = 0; b < blocks; ++b) {
    EXPECT_EQ(s[b], kThreads * (kThreads - 1) / 2);
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(n[b * kThreads + t], (t + 1) % kThreads + 1000 * b);
  }
  cudaFree(neighbour);
  cudaFree(total);
  cudaFree(second);
}

// Forward order lets the last thread's write win; reverse order (ATTNLIM_EMU_ORDER=reverse) thread 0's. The
// test runs the kernel in a child with each order and requires the two answers to differ: the reverse order
// exposes a race that one order hides.
TEST(CudaEmulator, ReverseOrderExposesARace) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the child re-executes: OpenMP's threads do not fork well
  auto run = [](const char* order) {
    setenv("ATTNLIM_EMU_ORDER", order, 1);
    int* out = device_alloc<int>(1);
    attnlim_emu::launch(nullptr, dim3(1), dim3(kThreads), 0, [&] { racy_kernel(out); });
    int value = 0;
    cudaMemcpy(&value, out, sizeof value, cudaMemcpyDeviceToHost);
    std::exit(value);
  };
  EXPECT_EXIT(run("forward"), testing::ExitedWithCode(2), "");
  EXPECT_EXIT(run("reverse"), testing::ExitedWithCode(1), "");
}

TEST(CudaEmulator, SegmentedSortIsStableInRadixOrder) {
  // +0.0 before -0.0: CUB holds them equal, so a stable sort keeps that order.
  const std::vector<double> keys = {3.0, 1.0, 1.0, 0.0, -0.0, 2.0, /* segment 2 */ 5.0, 4.0};
  const std::vector<std::uint64_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::vector<int> offsets = {0, 6, 8};
  std::vector<double> sorted_keys(keys.size());
  std::vector<std::uint64_t> sorted_values(values.size());
  std::size_t bytes = 0;
  ASSERT_EQ(cub::DeviceSegmentedRadixSort::SortPairs(nullptr, bytes, keys.data(), sorted_keys.data(), values.data(),
                                                     sorted_values.data(), 8, 2, offsets.data(), offsets.data() + 1),
            cudaSuccess);
  std::vector<unsigned char> temp(bytes);
  ASSERT_EQ(cub::DeviceSegmentedRadixSort::SortPairs(temp.data(), bytes, keys.data(), sorted_keys.data(),
                                                     values.data(), sorted_values.data(), 8, 2, offsets.data(),
                                                     offsets.data() + 1),
            cudaSuccess);
  EXPECT_EQ(sorted_values, (std::vector<std::uint64_t>{3, 4, 1, 2, 5, 0, 7, 6}));
}

// As on a device: a failed allocation is an error that does not stick; memory copies must stay inside an
// allocation; a faulting kernel leaves a sticky error (in a child: it would poison every later test).
TEST(CudaEmulator, ErrorsBehaveAsOnADevice) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  void* huge = nullptr;
  EXPECT_EQ(cudaMalloc(&huge, std::size_t{1} << 44), cudaErrorMemoryAllocation);
  EXPECT_EQ(cudaGetLastError(), cudaErrorMemoryAllocation);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  double* small = device_alloc<double>(4);
  double host[5] = {};
  EXPECT_EQ(cudaMemcpy(host, small, 5 * sizeof(double), cudaMemcpyDeviceToHost), cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemcpy(small, host, 4 * sizeof(double), cudaMemcpyDeviceToHost), cudaErrorInvalidValue);
  cudaGetLastError();
  std::vector<double> fresh(4);
  ASSERT_EQ(cudaMemcpy(fresh.data(), small, 4 * sizeof(double), cudaMemcpyDeviceToHost), cudaSuccess);
  for (double x : fresh) EXPECT_TRUE(std::isnan(x)) << "unwritten device memory reads as NaN";
  cudaFree(small);
  EXPECT_EXIT(
      {
        attnlim_emu::launch(nullptr, dim3(2), dim3(kThreads), 0, [] { throwing_kernel(); });
        const bool sticky = cudaDeviceSynchronize() == cudaErrorLaunchFailure &&
                            cudaGetLastError() == cudaErrorLaunchFailure && cudaMalloc(&huge, 8) != cudaSuccess;
        std::exit(sticky ? 0 : 1);
      },
      testing::ExitedWithCode(0), "thread 3 fails");
}

TEST(CudaEmulator, AWritePastTheEndFaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        double* data = device_alloc<double>(512);  // 4 KiB: the last double touches the guard page
        attnlim_emu::launch(nullptr, dim3(1), dim3(1), 0, [&] { overrun_kernel(data, 512); });
      },
      "");
  EXPECT_DEATH(
      {
        int* data = device_alloc<int>(3);  // 12 bytes, not a multiple of 8 or 16: still no slack
        attnlim_emu::launch(nullptr, dim3(1), dim3(1), 0, [&] { data[3] = 1; });
      },
      "");
}

// Through attnlim::cuda::launch's emulated branch: a host pointer argument fails the launch (on a device it
// would fault); dynamic shared memory beyond 48 KiB needs cudaFuncSetAttribute, as on a device.
TEST(CudaEmulator, HostPointersAndUnraisedSharedMemoryAreRefused) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        std::vector<double> host(4);
        const bool launched = attnlim_emu::arguments_on_device(host.data(), 4);
        std::exit(!launched && cudaDeviceSynchronize() == cudaErrorLaunchFailure ? 0 : 1);
      },
      testing::ExitedWithCode(0), "kernel argument 1 is a host pointer");
  double* device = device_alloc<double>(4);
  EXPECT_TRUE(attnlim_emu::arguments_on_device(device, 4, static_cast<double*>(nullptr)));
  cudaFree(device);

  const void* kernel = reinterpret_cast<const void*>(&throwing_kernel);  // any function: only its address counts
  int ran = 0;
  attnlim_emu::launch(kernel, dim3(1), dim3(1), 64 << 10, [&] { ++ran; });
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(ran, 0);
  ASSERT_EQ(cudaFuncSetAttribute(&throwing_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, 64 << 10), cudaSuccess);
  attnlim_emu::launch(kernel, dim3(1), dim3(1), 64 << 10, [&] { ++ran; });
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_EQ(ran, 1);
}

// compute-sanitizer's synccheck, emulated: a divergent barrier fails the launch and names both places.
TEST(CudaEmulator, DivergentBarriersFailTheLaunch) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [](void (*kernel)()) {
    attnlim_emu::launch(nullptr, dim3(1), dim3(kThreads), 0, [&] { kernel(); });
    std::exit(cudaDeviceSynchronize() == cudaErrorLaunchFailure ? 0 : 1);
  };
  EXPECT_EXIT(run(divergent_kernel), testing::ExitedWithCode(0),
              "divergent __syncthreads in block \\(0, 0\\): thread 0 waits at test_emulator.cpp:[0-9]+ \\(barrier 1\\), "
              "thread 1 at test_emulator.cpp:[0-9]+");
  EXPECT_EXIT(run(early_exit_kernel), testing::ExitedWithCode(0),
              "thread 5 ended while thread 0 waits at test_emulator.cpp:[0-9]+");
}

// The warp operations against their definitions (CUDA programming guide, warp shuffle functions): sums by a
// tree and by a butterfly, a broadcast, shifts, segments of 8, a ballot, two half-warp masks, and warps that
// loop different numbers of times before a barrier (no divergence: each warp agrees with itself).
TEST(CudaEmulator, WarpShufflesAndBallotsFollowTheirDefinitions) {
  constexpr int blocks = 2;
  long long* out = device_alloc<long long>(blocks * kWarpThreads * kWarpResults);
  attnlim_emu::launch(nullptr, dim3(blocks), dim3(kWarpThreads), 0, [&] { warp_kernel(out); });
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  std::vector<long long> r(blocks * kWarpThreads * kWarpResults);
  ASSERT_EQ(cudaMemcpy(r.data(), out, r.size() * sizeof(long long), cudaMemcpyDeviceToHost), cudaSuccess);
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < kWarpThreads; ++t) {
      SCOPED_TRACE("block " + std::to_string(b) + " thread " + std::to_string(t));
      const int lane = t % 32, first = t - lane;
      const auto value = [&](int thread) { return thread + 1000LL * b; };
      long long warp_sum = 0;
      for (int l = 0; l < 32; ++l) warp_sum += value(first + l);
      const long long* got = &r[(b * kWarpThreads + t) * kWarpResults];
      EXPECT_EQ(got[0], lane == 0 ? warp_sum : -1);
      EXPECT_EQ(got[1], warp_sum);
      EXPECT_EQ(got[2], value(first + 5));
      EXPECT_EQ(got[3], value(lane == 0 ? t : t - 1));
      EXPECT_EQ(got[4], value(first + (lane & ~7) + 3));
      EXPECT_EQ(got[5], 0x49249249LL);
      EXPECT_EQ(got[6], value(first + (lane < 16 ? (lane ^ 1) : (lane ^ 2))));
      EXPECT_EQ(got[7], t / 32 + 1);
      EXPECT_EQ(got[8], value(lane % 16 + 3 < 16 ? t + 3 : t));
    }
  cudaFree(out);
}

// compute-sanitizer's synccheck for warps, emulated: each fault fails the launch and names what happened.
TEST(CudaEmulator, DivergentWarpOperationsFailTheLaunch) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [](void (*kernel)(int*), int threads) {
    int* out = device_alloc<int>(threads);
    attnlim_emu::launch(nullptr, dim3(1), dim3(threads), 0, [&] { kernel(out); });
    std::exit(cudaDeviceSynchronize() == cudaErrorLaunchFailure ? 0 : 1);
  };
  EXPECT_EXIT(run(warp_half_exits_kernel, 64), testing::ExitedWithCode(0),
              "divergent warp operation in block \\(0, 0\\): thread 0 waits at test_emulator.cpp:[0-9]+ \\(time 1, "
              "mask 0xffffffff\\), thread 16 of its mask has ended");
  EXPECT_EXIT(run(warp_outside_mask_kernel, 32), testing::ExitedWithCode(0),
              "lane [0-9]+ reads lane 20, outside its mask 0x0000ffff");
  EXPECT_EXIT(run(warp_split_kernel, 32), testing::ExitedWithCode(0),
              "thread 0 waits at test_emulator.cpp:[0-9]+ \\(time 1, mask 0xffffffff\\), thread 16 at "
              "test_emulator.cpp:[0-9]+");
  EXPECT_EXIT(run(warp_short_kernel, 48), testing::ExitedWithCode(0), "mask lane 16 is past the block's last thread");
}
