// The host emulator of the CUDA runtime that cuda/ uses (tests/emulator/README.md).
//
// Launches: the blocks of a grid are dealt to host threads (ATTNLIM_EMU_THREADS, default: the cores); a host
// thread runs one block at a time, each CUDA thread of it a Boost.Context fiber on a guarded stack. A fiber
// runs until it reaches __syncthreads (or ends); when every fiber of the block has arrived, the next phase
// starts. Within a phase the fibers run in thread order, or in reverse order with ATTNLIM_EMU_ORDER=reverse:
// a kernel whose result depends on that order has a race between two barriers. Every phase must end with all
// live threads at the same __syncthreads (file:line), and no thread may end while others wait at one: either
// is a divergent barrier (undefined on a device; compute-sanitizer's synccheck reports it), and fails the launch.
// Warp operations (__shfl_sync and the rest, cuda_runtime.h) are stops too, for the lanes of their mask: within a
// phase the fibers run in rounds, and a warp's lanes go on once all of its mask wait at the same operation.
//
// Memory: every cudaMalloc is its own mapping, filled with 0xff bytes (a NaN in every double, so a read of
// memory nothing wrote shows in the results), its last byte against an inaccessible page, so that a read or
// write past the end faults at once. A kernel's pointer arguments must be device memory (cuda/check.cuh). The device holds 8 GiB (ATTNLIM_EMU_MEMORY_GIB); a larger total is
// cudaErrorMemoryAllocation. cudaMemset and cudaMemcpy check that their device range lies in one allocation.
#include <cuda_runtime.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <string>
#include <thread>
#include <vector>

thread_local uint3 threadIdx{0, 0, 0};
thread_local uint3 blockIdx{0, 0, 0};
thread_local dim3 blockDim{1, 1, 1};
thread_local dim3 gridDim{1, 1, 1};

namespace {

namespace ctx = boost::context;

int env_int(const char* name, int fallback, int low, int high) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end || value < low || value > high) {
    std::fprintf(stderr, "attnlim emulator: %s=%s is not an integer in [%d, %d]\n", name, text, low, high);
    std::exit(2);
  }
  return static_cast<int>(value);
}

struct Settings {
  int multiprocessors = env_int("ATTNLIM_EMU_SMS", 4, 1, 1024);
  int host_threads = env_int("ATTNLIM_EMU_THREADS", static_cast<int>(std::max(1u, std::thread::hardware_concurrency())), 1, 256);
  std::size_t memory_bytes = static_cast<std::size_t>(env_int("ATTNLIM_EMU_MEMORY_GIB", 8, 1, 1 << 20)) << 30;
};
const Settings& settings() {
  static const Settings s;
  return s;
}
// Read at every launch, so that a test can change it.
bool reverse_order() {
  const char* order = std::getenv("ATTNLIM_EMU_ORDER");
  return order && std::string(order) == "reverse";
}

// --- errors: the calling host thread's last error (cleared by cudaGetLastError) and the process's sticky one
// (a kernel that failed), as in the CUDA runtime ---------------------------------------------------------------
std::mutex error_mutex;
thread_local cudaError_t last_error = cudaSuccess;
cudaError_t sticky_error = cudaSuccess;

cudaError_t record(cudaError_t status) {
  if (status != cudaSuccess) last_error = status;
  return status;
}
cudaError_t sticky() {
  std::lock_guard<std::mutex> lock(error_mutex);
  return sticky_error;
}

// --- memory -----------------------------------------------------------------------------------------------
struct Allocation {
  void* mapping;
  std::size_t mapped;  // bytes mapped, the guard page included
  std::size_t bytes;   // bytes asked for
};
std::mutex memory_mutex;
std::map<std::uintptr_t, Allocation> allocations;  // by user address
std::size_t allocated_bytes = 0;

const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

// True when [p, p + bytes) lies inside one live allocation.
bool device_range(const void* p, std::size_t bytes) {
  std::lock_guard<std::mutex> lock(memory_mutex);
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  auto it = allocations.upper_bound(address);
  if (it == allocations.begin()) return false;
  --it;
  return address >= it->first && address + bytes <= it->first + it->second.bytes;
}

// --- launches -----------------------------------------------------------------------------------------------
constexpr std::size_t kSharedDefault = 48 << 10;  // dynamic shared memory without cudaFuncSetAttribute
constexpr int kSharedOptIn = 232448;              // an H100's 227 KiB, the most an attribute may ask
std::mutex shared_limit_mutex;
std::map<const void*, int> shared_limit;
// A stack allocator that keeps its guarded stacks for the next block of this host thread.
class CachedStacks {
 public:
  explicit CachedStacks(std::size_t size) : allocator_(size) {}
  CachedStacks(const CachedStacks&) = delete;
  ~CachedStacks() {
    for (ctx::stack_context& s : free_) allocator_.deallocate(s);
  }
  ctx::stack_context allocate() {
    if (free_.empty()) return allocator_.allocate();
    ctx::stack_context s = free_.back();
    free_.pop_back();
    return s;
  }
  void deallocate(ctx::stack_context& s) noexcept { free_.push_back(s); }

 private:
  ctx::protected_fixedsize_stack allocator_;
  std::vector<ctx::stack_context> free_;
};

// Boost.Context takes its stack allocator by value: this forwards to the host thread's cache.
struct StackHandle {
  CachedStacks* cache;
  ctx::stack_context allocate() { return cache->allocate(); }
  void deallocate(ctx::stack_context& s) noexcept { cache->deallocate(s); }
};

constexpr std::size_t kStackBytes = std::size_t{256} << 10;

// One host thread's state while it runs a block.
struct Worker {
  CachedStacks stacks{kStackBytes};
  std::vector<ctx::fiber> fibers;     // the CUDA threads, suspended at a barrier (empty once finished)
  std::vector<ctx::fiber> scheduler;  // per fiber: where to go back to at its next barrier
  std::vector<unsigned char> shared;  // dynamic shared memory
  struct Barrier {
    const char* file;
    int line;
    std::uint64_t passed;  // barriers this thread has reached: the same line in another loop turn differs
  };
  std::vector<Barrier> barrier;  // per fiber: the __syncthreads it waits at
  // Warp operations (__shfl_sync and the rest): a fiber stops at one like at a barrier; when every lane of the
  // mask has arrived at the same one, the scheduler publishes the lanes' deposits and releases them.
  struct WarpStop {
    const char* file;
    int line;
    std::uint64_t passed;  // times this thread has reached this file:line (the same line in another loop turn differs)
    unsigned mask;
  };
  std::vector<std::map<std::pair<const char*, int>, std::uint64_t>> warp_sites;  // per fiber: the counts
  std::vector<WarpStop> warp_stop;        // per fiber: its last warp operation
  std::vector<char> at_warp;              // per fiber: stopped at a warp operation (not at a barrier)
  std::vector<std::uint64_t> deposit;     // per fiber: the value it brought to its warp operation
  std::vector<std::uint64_t> published;   // per fiber: its warp's deposits, published when the warp is complete
  int current = -1;
  std::exception_ptr failure;
};
thread_local Worker* this_worker = nullptr;

void run_block(Worker& w, dim3 block, const std::function<void()>& body) {
  const int threads = static_cast<int>(block.x * block.y * block.z);
  w.fibers.clear();
  w.scheduler.clear();
  w.scheduler.resize(threads);
  w.barrier.assign(threads, Worker::Barrier{nullptr, 0, 0});
  w.warp_stop.assign(threads, Worker::WarpStop{nullptr, 0, 0, 0});
  w.warp_sites.assign(threads, {});
  w.at_warp.assign(threads, 0);
  w.deposit.assign(threads, 0);
  w.published.assign(threads, 0);
  std::fill(w.shared.begin(), w.shared.end(), 0xff);
  for (int t = 0; t < threads; ++t) {
    w.fibers.emplace_back(std::allocator_arg, StackHandle{&w.stacks}, [&w, &body, t](ctx::fiber&& back) {
      w.scheduler[t] = std::move(back);
      try {
        body();
      } catch (const ctx::detail::forced_unwind&) {
        throw;  // Boost.Context unwinding a fiber's stack
      } catch (...) {
        if (!w.failure) w.failure = std::current_exception();
      }
      return std::move(w.scheduler[t]);
    });
  }
  const bool reverse = reverse_order();
  auto place = [](const Worker::Barrier& site) {
    const char* base = std::strrchr(site.file, '/');
    return std::string(base ? base + 1 : site.file) + ":" + std::to_string(site.line) + " (barrier " +
           std::to_string(site.passed) + ")";
  };
  auto fail = [&](const std::string& why) {
    if (!w.failure) w.failure = std::make_exception_ptr(std::logic_error(why));
  };
  auto where = [&] { return "in block (" + std::to_string(blockIdx.x) + ", " + std::to_string(blockIdx.y) + ")"; };
  auto warp_place = [](const Worker::WarpStop& site) {
    const char* base = std::strrchr(site.file, '/');
    char mask[16];
    std::snprintf(mask, sizeof mask, "%#010x", site.mask);
    return std::string(base ? base + 1 : site.file) + ":" + std::to_string(site.line) + " (time " +
           std::to_string(site.passed) + ", mask " + mask + ")";
  };
  std::vector<char> run(threads, 0);
  for (bool live = true; live;) {  // one phase: every live fiber runs to its next barrier or its end
    live = false;
    int waiting = -1, ended = -1;
    for (int t = 0; t < threads; ++t) run[t] = w.fibers[t] ? 1 : 0;
    // Within the phase, rounds: the runnable fibers run to a barrier, a warp operation or their end; then every
    // warp whose mask lanes all wait at the same warp operation is released for the next round.
    for (bool runnable = true; runnable;) {
      runnable = false;
      for (int i = 0; i < threads; ++i) {
        const int t = reverse ? threads - 1 - i : i;
        if (!run[t]) continue;
        run[t] = 0;
        threadIdx = uint3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
        w.current = t;
        w.fibers[t] = std::move(w.fibers[t]).resume();
        if (!w.fibers[t]) ended = std::max(ended, t);
      }
      for (int first = 0; first < threads; first += 32) {
        const int lanes = std::min(32, threads - first);
        // Each group of lanes stopped at a warp operation, led by its lowest lane: every lane of the leader's
        // mask must wait at the same operation (file:line, count, mask). Published and released after a
        // failure too, so that every fiber runs to its end and the launch returns.
        for (int leader = first; leader < first + lanes; ++leader) {
          if (!w.fibers[leader] || !w.at_warp[leader]) continue;
          const Worker::WarpStop op = w.warp_stop[leader];
          for (int l = 0; l < 32; ++l) {
            if (!(op.mask >> l & 1u)) continue;
            const int t = first + l;
            if (l >= lanes) {
              fail("warp operation " + where() + " at " + warp_place(op) + ": mask lane " + std::to_string(l) +
                   " is past the block's last thread");
            } else if (!w.fibers[t] || !w.at_warp[t]) {
              fail("divergent warp operation " + where() + ": thread " + std::to_string(leader) + " waits at " +
                   warp_place(op) + ", thread " + std::to_string(t) + " of its mask " +
                   (!w.fibers[t] ? std::string("has ended") : "waits at a __syncthreads"));
            } else if (std::strcmp(w.warp_stop[t].file, op.file) != 0 || w.warp_stop[t].line != op.line ||
                       w.warp_stop[t].passed != op.passed || w.warp_stop[t].mask != op.mask) {
              fail("divergent warp operation " + where() + ": thread " + std::to_string(leader) + " waits at " +
                   warp_place(op) + ", thread " + std::to_string(t) + " at " + warp_place(w.warp_stop[t]));
            }
          }
          for (int l = 0; l < lanes; ++l) {
            const int t = first + l;
            if (!w.fibers[t] || !w.at_warp[t] || !((op.mask >> l & 1u) || t == leader)) continue;
            w.published[t] = w.deposit[t];
            w.at_warp[t] = 0;
            run[t] = 1;
            runnable = true;
          }
        }
      }
    }
    for (int i = 0; i < threads; ++i) {
      const int t = reverse ? threads - 1 - i : i;
      if (!w.fibers[t]) continue;
      live = true;
      if (waiting < 0) {
        waiting = t;
        continue;
      }
      const bool same = std::strcmp(w.barrier[t].file, w.barrier[waiting].file) == 0 &&
                        w.barrier[t].line == w.barrier[waiting].line && w.barrier[t].passed == w.barrier[waiting].passed;
      if (!same && !w.failure)
        w.failure = std::make_exception_ptr(std::logic_error(
            "divergent __syncthreads in block (" + std::to_string(blockIdx.x) + ", " + std::to_string(blockIdx.y) +
            "): thread " + std::to_string(waiting) + " waits at " + place(w.barrier[waiting]) + ", thread " +
            std::to_string(t) + " at " + place(w.barrier[t])));
    }
    if (live && ended >= 0 && !w.failure)
      w.failure = std::make_exception_ptr(std::logic_error(
          "divergent __syncthreads in block (" + std::to_string(blockIdx.x) + ", " + std::to_string(blockIdx.y) +
          "): thread " + std::to_string(ended) + " ended while thread " + std::to_string(waiting) + " waits at " +
          place(w.barrier[waiting])));
  }
  w.current = -1;
}

}  // namespace

namespace attnlim_emu {

int occupancy(int block_size) { return std::max(1, 512 / std::max(block_size, 1)); }

unsigned char* dynamic_shared() { return this_worker->shared.data(); }

void syncthreads(const char* file, int line) {
  Worker& w = *this_worker;
  const int t = w.current;
  w.barrier[t] = Worker::Barrier{file, line, w.barrier[t].passed + 1};
  w.scheduler[t] = std::move(w.scheduler[t]).resume();
}

void warp_lane_outside_mask(const char* file, int line, int lane, int from, unsigned mask) {
  char text[16];
  std::snprintf(text, sizeof text, "%#010x", mask);
  throw std::logic_error(std::string("warp shuffle at ") + file + ":" + std::to_string(line) + ": lane " +
                         std::to_string(lane) + " reads lane " + std::to_string(from) + ", outside its mask " + text);
}

const std::uint64_t* warp_exchange(const char* file, int line, unsigned mask, std::uint64_t value) {
  Worker& w = *this_worker;
  const int t = w.current;
  if (!(mask >> (t % 32) & 1u))
    throw std::logic_error(std::string("warp operation at ") + file + ":" + std::to_string(line) + ": thread " +
                           std::to_string(t) + " is not in its own mask");
  w.warp_stop[t] = Worker::WarpStop{file, line, ++w.warp_sites[t][{file, line}], mask};
  w.deposit[t] = value;
  w.at_warp[t] = 1;
  w.scheduler[t] = std::move(w.scheduler[t]).resume();
  return w.published.data() + (t - t % 32);
}

void launch(const void* kernel, dim3 grid, dim3 block, std::size_t shared_bytes, const std::function<void()>& body) {
  if (sticky() != cudaSuccess) return;
  const std::uint64_t blocks = std::uint64_t{grid.x} * grid.y * grid.z;
  const std::uint64_t threads = std::uint64_t{block.x} * block.y * block.z;
  if (blocks == 0 || threads == 0 || threads > 1024 || grid.y > 65535 || grid.z > 65535) {
    record(cudaErrorInvalidConfiguration);
    return;
  }
  std::size_t shared_allowed = kSharedDefault;
  {
    std::lock_guard<std::mutex> lock(shared_limit_mutex);
    const auto it = kernel ? shared_limit.find(kernel) : shared_limit.end();
    if (it != shared_limit.end()) shared_allowed = std::max<std::size_t>(shared_allowed, it->second);
  }
  if (shared_bytes > shared_allowed) {  // a device refuses the launch
    std::fprintf(stderr, "attnlim emulator: %zu bytes of dynamic shared memory, the kernel may have %zu%s\n",
                 shared_bytes, shared_allowed,
                 shared_allowed == kSharedDefault ? " (cudaFuncSetAttribute raises it up to 227 KiB)" : "");
    record(cudaErrorInvalidValue);
    return;
  }
  std::atomic<std::uint64_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto work = [&] {
    Worker w;
    w.shared.resize(shared_bytes);
    this_worker = &w;
    gridDim = grid;
    blockDim = block;
    for (std::uint64_t b; (b = next.fetch_add(1)) < blocks;) {
      blockIdx = uint3{static_cast<unsigned>(b % grid.x), static_cast<unsigned>((b / grid.x) % grid.y),
                       static_cast<unsigned>(b / (std::uint64_t{grid.x} * grid.y))};
      run_block(w, block, body);
      if (w.failure) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = w.failure;
        next = blocks;  // the grid stops, as after a device fault
        break;
      }
    }
    this_worker = nullptr;
  };
  const int helpers = static_cast<int>(std::min<std::uint64_t>(settings().host_threads, blocks)) - 1;
  std::vector<std::thread> pool;
  for (int i = 0; i < helpers; ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) {
    std::string what = "a kernel thread threw";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    fail_launch(what);
  }
}

void fail_launch(const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(error_mutex);
    sticky_error = cudaErrorLaunchFailure;
  }
  last_error = cudaErrorLaunchFailure;
  std::fprintf(stderr, "attnlim emulator: %s\n", why.c_str());
}

cudaError_t set_dynamic_shared_limit(const void* kernel, int bytes) {
  if (bytes < 0 || bytes > kSharedOptIn) return record(cudaErrorInvalidValue);
  std::lock_guard<std::mutex> lock(shared_limit_mutex);
  shared_limit[kernel] = bytes;
  return cudaSuccess;
}

bool is_device_pointer(const void* p) { return device_range(p, 1); }

}  // namespace attnlim_emu

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
  }
  return "unknown error";
}

cudaError_t cudaGetLastError() {
  const cudaError_t status = last_error;
  last_error = sticky();
  return status;
}
cudaError_t cudaDeviceSynchronize() { return record(sticky()); }
cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return sticky();
}
cudaError_t cudaSetDevice(int device) { return record(device == 0 ? cudaSuccess : cudaErrorInvalidDevice); }
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0) return record(cudaErrorInvalidDevice);
  std::memset(prop, 0, sizeof *prop);
  std::snprintf(prop->name, sizeof prop->name, "attnlim host emulator (%d multiprocessors)", settings().multiprocessors);
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = settings().multiprocessors;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device) {
  if (device != 0) return record(cudaErrorInvalidDevice);
  switch (attribute) {
    case cudaDevAttrMultiProcessorCount: *value = settings().multiprocessors; return cudaSuccess;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin: *value = kSharedOptIn; return cudaSuccess;
  }
  return record(cudaErrorInvalidValue);
}

cudaError_t cudaMalloc(void** pointer, std::size_t bytes) {
  *pointer = nullptr;
  if (sticky() != cudaSuccess) return record(sticky());
  if (bytes == 0) return cudaSuccess;
  // The allocation ends where the guard page starts: its last byte is the last readable one. (Its start is
  // aligned to the largest power of 2 dividing `bytes`, enough for an array of any scalar type.)
  const std::size_t data_pages = (bytes + page - 1) / page;
  {
    std::lock_guard<std::mutex> lock(memory_mutex);
    if (bytes > settings().memory_bytes || allocated_bytes + bytes > settings().memory_bytes)
      return record(cudaErrorMemoryAllocation);
  }
  const std::size_t mapped = (data_pages + 1) * page;
  void* mapping = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) return record(cudaErrorMemoryAllocation);
  unsigned char* guard = static_cast<unsigned char*>(mapping) + data_pages * page;
  mprotect(guard, page, PROT_NONE);
  unsigned char* user = guard - bytes;
  std::memset(user, 0xff, bytes);
  std::lock_guard<std::mutex> lock(memory_mutex);
  allocations[reinterpret_cast<std::uintptr_t>(user)] = Allocation{mapping, mapped, bytes};
  allocated_bytes += bytes;
  *pointer = user;
  return cudaSuccess;
}

cudaError_t cudaFree(void* pointer) {
  if (!pointer) return cudaSuccess;
  std::lock_guard<std::mutex> lock(memory_mutex);
  const auto it = allocations.find(reinterpret_cast<std::uintptr_t>(pointer));
  if (it == allocations.end()) return record(cudaErrorInvalidValue);
  allocated_bytes -= it->second.bytes;
  munmap(it->second.mapping, it->second.mapped);
  allocations.erase(it);
  return sticky();
}

cudaError_t cudaMemset(void* pointer, int value, std::size_t bytes) {
  if (sticky() != cudaSuccess) return record(sticky());
  if (bytes && !device_range(pointer, bytes)) return record(cudaErrorInvalidValue);
  std::memset(pointer, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
  if (sticky() != cudaSuccess) return record(sticky());
  if (bytes == 0) return cudaSuccess;
  const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  if ((src_device && !device_range(src, bytes)) || (dst_device && !device_range(dst, bytes)) ||
      (kind != cudaMemcpyDefault && !src_device && device_range(src, 1)) ||
      (kind != cudaMemcpyDefault && !dst_device && device_range(dst, 1)))
    return record(cudaErrorInvalidValue);
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}

struct attnlim_emu_event {
  std::chrono::steady_clock::time_point at;
};
cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = new attnlim_emu_event{};
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  event->at = std::chrono::steady_clock::now();  // launches are synchronous here
  return sticky();
}
cudaError_t cudaEventSynchronize(cudaEvent_t) { return sticky(); }
cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t stop) {
  *milliseconds = std::chrono::duration<float, std::milli>(stop->at - start->at).count();
  return cudaSuccess;
}
