// Linked instead of host/distributed/mpi.cpp when attnlim is built without MPI (ATTNLIM_MPI=OFF, or AUTO and no
// MPI found): every process is a single rank, engines run as they are.
#include <cstdio>
#include <cstdlib>

#include "attnlim/engine/mpi.hpp"

namespace attnlim {

bool mpi_built() { return false; }

MpiSession::MpiSession(int*, char***) {}
MpiSession::~MpiSession() = default;
int MpiSession::rank() const { return 0; }
int MpiSession::size() const { return 1; }
int MpiSession::local_rank() const { return 0; }
int MpiSession::local_size() const { return 1; }
int MpiSession::fail(int code, const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  return code;
}

std::unique_ptr<Engine> distribute(std::unique_ptr<Engine> local) { return local; }
std::unique_ptr<SelfAttentionEngine> distribute(std::unique_ptr<SelfAttentionEngine> local) { return local; }
int rank_threads(int threads) { return threads; }
std::string launch_problem() {
  const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");  // set by srun for the tasks of a step
  if (tasks && std::atoi(tasks) > 1)
    return std::string("srun started ") + tasks + " tasks but this attnlim was built without MPI (give srun -n 1)";
  return "";
}

}  // namespace attnlim
