// MPI ranks behind the engine seams (engine/mpi.hpp): the session, the process group of core/ranks.hpp, and
// the engines that split a run over the ranks. Only the thread that called MPI_Init_thread calls MPI
// (MPI_THREAD_FUNNELED): engines report progress from the caller's thread.
#include "attnlim/engine/mpi.hpp"

#include <mpi.h>
#include <omp.h>
#include <sys/prctl.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <thread>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/ranks.hpp"
#include "attnlim/core/stop.hpp"
#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/state/serialize.hpp"

namespace attnlim {

bool mpi_built() { return true; }

namespace {

// The job as this rank sees it. Three communicators, so that traffic of one kind never matches another:
// work (every collective of a run, in the same order on every rank), progress (point to point, to rank 0)
// and errors (the barrier of MpiSession::fail).
struct World {
  int rank = 0, size = 1, local_rank = 0, local_size = 1;
  MPI_Comm work = MPI_COMM_NULL, progress = MPI_COMM_NULL, errors = MPI_COMM_NULL;
};
World* g_world = nullptr;  // the joined MpiSession's (any number of ranks); nullptr: a single process

// rank's bytes on every rank of comm.
void broadcast_bytes(std::string& bytes, int root, MPI_Comm comm) {
  std::uint64_t size = bytes.size();
  MPI_Bcast(&size, 1, MPI_UINT64_T, root, comm);
  bytes.resize(size);
  constexpr std::uint64_t kPiece = std::uint64_t{1} << 30;  // MPI counts are ints
  for (std::uint64_t at = 0; at < size; at += kPiece)
    MPI_Bcast(bytes.data() + at, static_cast<int>(std::min(kPiece, size - at)), MPI_BYTE, root, comm);
}

// Every rank's bytes, in rank order, on every rank.
std::vector<std::string> gather_everywhere(const World& w, const std::string& mine) {
  std::vector<std::string> all(w.size);
  for (int r = 0; r < w.size; ++r) {
    if (r == w.rank) all[r] = mine;
    broadcast_bytes(all[r], r, w.work);
  }
  return all;
}

class MpiGroup final : public ProcessGroup {
 public:
  int rank() const override { return g_world->rank; }
  int size() const override { return g_world->size; }
  std::string broadcast(const std::string& bytes) const override {
    std::string copy = bytes;
    broadcast_bytes(copy, 0, g_world->work);
    return copy;
  }
};

// Progress of all ranks on rank 0. Each rank's engine reports its own work done (cumulative); the other ranks
// send it to rank 0 (at most every 0.2 s, non-blocking), rank 0 adds up the last count of every rank. After
// its part, every rank sends a final count; rank 0 waits for all of them (messages from one rank arrive in
// order, so none is left in flight).
class RankProgress {
 public:
  RankProgress(const World& w, std::function<void(double)> report)
      : w_(w), report_(std::move(report)), done_(w.size, 0.0), finished_(w.size, false) {}

  void local(double done) {
    mine_ = done;
    if (w_.rank == 0) {
      done_[0] = done;
      receive(false);
      if (report_) report_(total());
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_sent_ < std::chrono::milliseconds(200)) return;
    last_sent_ = now;
    sent_.push_back(done);
    requests_.emplace_back();
    MPI_Isend(&sent_.back(), 1, MPI_DOUBLE, 0, kCount, w_.progress, &requests_.back());
  }

  // After this rank's part, whether it succeeded or not.
  void finish() {
    if (w_.rank != 0) {
      for (MPI_Request& r : requests_) MPI_Wait(&r, MPI_STATUS_IGNORE);
      MPI_Send(&mine_, 1, MPI_DOUBLE, 0, kFinal, w_.progress);
      return;
    }
    done_[0] = mine_;
    finished_[0] = true;
    receive(false);
    while (std::find(finished_.begin(), finished_.end(), false) != finished_.end()) {
      receive(true);
      if (report_) report_(total());
    }
  }

 private:
  static constexpr int kCount = 1, kFinal = 2;

  // Rank 0: takes the messages that have arrived (wait: at least one).
  void receive(bool wait) {
    for (;;) {
      int flag = 0;
      MPI_Status status;
      if (wait) {
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, w_.progress, &status);
        flag = 1;
        wait = false;
      } else {
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, w_.progress, &flag, &status);
      }
      if (!flag) return;
      double value = 0;
      MPI_Recv(&value, 1, MPI_DOUBLE, status.MPI_SOURCE, status.MPI_TAG, w_.progress, MPI_STATUS_IGNORE);
      done_[status.MPI_SOURCE] = value;
      if (status.MPI_TAG == kFinal) finished_[status.MPI_SOURCE] = true;
    }
  }
  double total() const {
    double sum = 0;
    for (double d : done_) sum += d;
    return sum;
  }

  const World& w_;
  std::function<void(double)> report_;
  std::vector<double> done_;
  std::vector<bool> finished_;
  double mine_ = 0;
  std::deque<double> sent_;  // the numbers of pending sends (a deque keeps them in place)
  std::deque<MPI_Request> requests_;
  std::chrono::steady_clock::time_point last_sent_{};
};

// How a rank's part ended, as bytes: kind (0 ok, 1 bad input, 2 interrupted, 3 other), the signal, the field,
// then the message.
std::string status_bytes(char kind, int signal, const std::string& field, const std::string& message) {
  std::string out(1, kind);
  out += std::to_string(signal) + '\n' + field + '\n' + message;
  return out;
}

// ATTNLIM_TEST_RANK_FAILURE=R:HOW makes rank R fail on purpose, so that the tests can see how a job ends:
// HOW is "error" (its part of a run throws), "kill" (it dies by SIGKILL in its part) or "alone" (it throws when
// its engine is made, outside any collective). Whether `when` ("part" or "setup") is R's moment to fail.
void maybe_fail_on_purpose(const World& w, const char* when) {
  const char* text = std::getenv("ATTNLIM_TEST_RANK_FAILURE");
  if (!text) return;
  const std::string spec = text;
  const auto colon = spec.find(':');
  if (colon == std::string::npos || std::atoi(spec.substr(0, colon).c_str()) != w.rank) return;
  const std::string how = spec.substr(colon + 1);
  if (how == "alone" && std::strcmp(when, "setup") == 0)
    throw std::runtime_error("failure injected by ATTNLIM_TEST_RANK_FAILURE (alone)");
  if (std::strcmp(when, "part") != 0) return;
  if (how == "error") throw DeviceError("failure injected by ATTNLIM_TEST_RANK_FAILURE (error)");
  if (how == "kill") std::raise(SIGKILL);
}

// Runs this rank's part (`part` returns its result as bytes), then, on every rank: if any rank's part failed,
// the first failure is thrown everywhere; else every rank's bytes in rank order.
template <class Part>
std::vector<std::string> run_on_ranks(const World& w, const std::function<void(double)>& progress, Part&& part) {
  RankProgress relay(w, progress);
  std::string result, status = status_bytes(0, 0, "", "");
  try {
    maybe_fail_on_purpose(w, "part");
    result = part(relay);
  } catch (const Interrupted& e) {
    status = status_bytes(2, e.signal(), "", "interrupted");
  } catch (const InputError& e) {
    status = status_bytes(1, 0, e.field(), e.problem_source());
  } catch (const std::exception& e) {
    status = status_bytes(3, 0, "", e.what());
  }
  relay.finish();
  const std::vector<std::string> statuses = gather_everywhere(w, status);
  for (int r = 0; r < w.size; ++r) {
    const std::string& s = statuses[r];
    if (s[0] == 0) continue;
    const std::size_t a = s.find('\n', 1), b = s.find('\n', a + 1);
    const int signal = std::atoi(s.substr(1, a - 1).c_str());
    const std::string field = s.substr(a + 1, b - a - 1), message = s.substr(b + 1);
    const std::string where = r == 0 ? "" : fmt::format("rank {}: ", r);
    if (s[0] == 2) throw Interrupted(signal);
    if (s[0] == 1) throw InputError(field, where + message);
    throw std::runtime_error(where + message);
  }
  return gather_everywhere(w, result);
}

// [begin, end) of `count` items dealt to `rank` of `size` in contiguous blocks.
std::pair<std::uint64_t, std::uint64_t> share(std::uint64_t count, int rank, int size) {
  const auto part = [&](int r) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(count) * static_cast<unsigned>(r)) /
                                      static_cast<unsigned>(size));
  };
  return {part(rank), part(rank + 1)};
}

class DistributedEngine final : public Engine {
 public:
  DistributedEngine(std::unique_ptr<Engine> local, const World& w)
      : Engine(local->options()), local_(std::move(local)), w_(w) {}
  std::string name() const override { return local_->name(); }
  std::string device() const override { return fmt::format("{} MPI ranks, rank 0: {}", w_.size, local_->device()); }
  bool accelerator() const override { return local_->accelerator(); }
  const char* work_unit() const override { return local_->work_unit(); }
  std::optional<InputError> refusal(const RunSpec& spec) const override { return local_->refusal(spec); }

 protected:
  std::vector<TrialState> run_range(const RunSpec& spec, const WorkRange& range, const KeysDone& progress) override {
    const bool by_trials = range.trials >= static_cast<std::uint64_t>(w_.size) || std::strcmp(local_->work_unit(), "keys") != 0;
    WorkRange mine = range;
    bool empty = false;
    if (by_trials) {
      const auto [a, b] = share(range.trials, w_.rank, w_.size);
      mine.first_trial = range.first_trial + a;
      mine.trials = b - a;
      empty = a == b;
    } else {
      // Whole blocks of the engine's chunk, so that every block is the one a single process computes.
      const std::uint64_t chunk = options().chunk_keys, keys = range.key_end - range.key_begin;
      const auto [a, b] = share(keys / chunk + (keys % chunk != 0), w_.rank, w_.size);
      mine.key_begin = range.key_begin + a * chunk;
      mine.key_end = std::min(range.key_end, range.key_begin + b * chunk);
      empty = a == b;
    }
    const std::vector<std::string> parts = run_on_ranks(w_, progress, [&](RankProgress& relay) {
      if (empty) return std::string();
      return to_bytes(local_->run(spec, mine, [&](double done) { relay.local(done); }));
    });
    std::vector<TrialState> result;
    for (const std::string& bytes : parts) {
      if (bytes.empty()) continue;
      std::vector<TrialState> states = states_from_bytes(bytes);
      if (by_trials) {
        for (TrialState& st : states) result.push_back(std::move(st));
      } else if (result.empty()) {
        result = std::move(states);
      } else {
        for (std::size_t t = 0; t < result.size(); ++t) result[t].merge(states[t], spec.betas.data());
      }
    }
    return result;
  }

 private:
  std::unique_ptr<Engine> local_;
  const World& w_;
};

static_assert(sizeof(LayerStats) == 5 * sizeof(double), "LayerStats travels as five doubles");

class DistributedSelfAttention final : public SelfAttentionEngine {
 public:
  DistributedSelfAttention(std::unique_ptr<SelfAttentionEngine> local, const World& w) : local_(std::move(local)), w_(w) {}
  std::string name() const override { return local_->name(); }
  std::string device() const override { return fmt::format("{} MPI ranks, rank 0: {}", w_.size, local_->device()); }
  std::vector<LayerStats> run(const SelfAttentionSpec& spec, std::uint32_t trial) override {
    return run_jobs({SelfAttentionJob{spec, trial}}, {}).front();
  }
  std::vector<std::vector<LayerStats>> run_jobs(const std::vector<SelfAttentionJob>& jobs, const WorkDone& progress) override {
    const auto [a, b] = share(jobs.size(), w_.rank, w_.size);
    const std::vector<std::string> parts = run_on_ranks(w_, progress, [&](RankProgress& relay) {
      const std::vector<SelfAttentionJob> mine(jobs.begin() + static_cast<std::ptrdiff_t>(a),
                                               jobs.begin() + static_cast<std::ptrdiff_t>(b));
      std::string bytes;
      for (const auto& layers : local_->run_jobs(mine, [&](double done) { relay.local(done); }))
        bytes.append(reinterpret_cast<const char*>(layers.data()), layers.size() * sizeof(LayerStats));
      return bytes;
    });
    std::vector<std::vector<LayerStats>> out;
    for (const std::string& bytes : parts)
      for (std::size_t at = 0; at < bytes.size();) {
        const std::size_t layers = static_cast<std::size_t>(jobs[out.size()].spec.layers);
        std::vector<LayerStats> stats(layers);
        std::memcpy(stats.data(), bytes.data() + at, layers * sizeof(LayerStats));
        at += layers * sizeof(LayerStats);
        out.push_back(std::move(stats));
      }
    return out;
  }

 private:
  std::unique_ptr<SelfAttentionEngine> local_;
  const World& w_;
};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

}  // namespace

std::string launch_problem() {
  // srun -n N without an MPI plugin starts N copies that each think they are alone: each would run the whole
  // job and append the same sweep records.
  const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");  // set by srun for the tasks of a step
  const int size = g_world ? g_world->size : 1;
  if (tasks && std::atoi(tasks) > 1 && size == 1)
    return fmt::format("srun started {} tasks but they are not one MPI job (give srun --mpi=pmix, or -n 1)", tasks);
  return "";
}

namespace {

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
  // A rank whose launcher dies (mpirun killed with SIGKILL) dies with it: the ranks talk through shared memory
  // and would otherwise go on computing and writing without it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  joined_ = true;
  static World world;
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world.rank, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &world.local_rank);
  MPI_Comm_size(node, &world.local_size);
  MPI_Comm_free(&node);
  MPI_Comm_dup(MPI_COMM_WORLD, &world.work);
  MPI_Comm_dup(MPI_COMM_WORLD, &world.progress);
  MPI_Comm_dup(MPI_COMM_WORLD, &world.errors);
  g_world = &world;
  static MpiGroup group;
  set_process_group(&group);
  if (world.rank > 0 && !std::freopen("/dev/null", "w", stdout)) std::fclose(stdout);
  // One GPU per rank, chosen before anything touches a device (checking a backend creates a context on the
  // current device). Without a device this is a no-op.
  if (world.size > 1) cuda::select_device(world.local_rank);
}

MpiSession::~MpiSession() {
  if (!joined_) return;
  std::fflush(stdout);
  set_process_group(nullptr);
  for (MPI_Comm* c : {&g_world->work, &g_world->progress, &g_world->errors}) MPI_Comm_free(c);
  g_world = nullptr;
  MPI_Finalize();
}

int MpiSession::rank() const { return g_world ? g_world->rank : 0; }
int MpiSession::size() const { return g_world ? g_world->size : 1; }
int MpiSession::local_rank() const { return g_world ? g_world->local_rank : 0; }
int MpiSession::local_size() const { return g_world ? g_world->local_size : 1; }

int MpiSession::fail(int code, const std::string& line) {
  if (!joined_ || g_world->size == 1) {
    std::fprintf(stderr, "%s\n", line.c_str());
    return code;
  }
  // Did every rank fail? Their barrier completes at once; a rank that failed alone waits 10 s for it.
  MPI_Request request;
  MPI_Ibarrier(g_world->errors, &request);
  int all = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!all && std::chrono::steady_clock::now() < deadline) {
    MPI_Test(&request, &all, MPI_STATUS_IGNORE);
    if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (all) {
    if (g_world->rank == 0) std::fprintf(stderr, "%s\n", line.c_str());
    return code;
  }
  const std::string prefix = "attnlim: ";
  const std::string named = g_world->rank == 0 || line.rfind(prefix, 0) != 0
                                ? line
                                : fmt::format("{}rank {}: {}", prefix, g_world->rank, line.substr(prefix.size()));
  std::fprintf(stderr, "%s\n", named.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  return code;
}

namespace {
// Every rank must run the same engine (the runs it plans depend on it: verify's n, the backend's chunks): a
// node with a GPU beside one without, under --backend auto, is refused on every rank.
void require_same_engine(const World& w, const std::string& what) {
  const std::vector<std::string> all = gather_everywhere(w, what);
  for (int r = 1; r < w.size; ++r)
    if (all[r] != all[0])
      throw InputError("backend", fmt::format("the MPI ranks would run different engines: rank 0 {}, rank {} {} "
                                              "(give {} cpu or cuda)",
                                              all[0], r, all[r], field_ref("backend")));
}
}  // namespace

std::unique_ptr<Engine> distribute(std::unique_ptr<Engine> local) {
  if (!g_world || g_world->size == 1) return local;
  maybe_fail_on_purpose(*g_world, "setup");
  require_same_engine(*g_world, local->name() + (local->accelerator() ? " (accelerator)" : ""));
  return std::make_unique<DistributedEngine>(std::move(local), *g_world);
}

std::unique_ptr<SelfAttentionEngine> distribute(std::unique_ptr<SelfAttentionEngine> local) {
  if (!g_world || g_world->size == 1) return local;
  maybe_fail_on_purpose(*g_world, "setup");
  require_same_engine(*g_world, local->name());
  return std::make_unique<DistributedSelfAttention>(std::move(local), *g_world);
}

int rank_threads(int threads) {
  if (!g_world || g_world->size == 1 || threads != 0 || g_world->local_size == 1) return threads;
  // A rank the launcher bound to some cores already sees only those; an unbound one shares the node's.
  const int visible = omp_get_num_procs();
  const int node = static_cast<int>(std::thread::hardware_concurrency());
  if (node > 0 && visible < node) return threads;
  return std::max(1, visible / g_world->local_size);
}

}  // namespace attnlim
