// Linked instead of host/parallel/mpi.cpp when attnlim is built without MPI (ATTNLIM_MPI=OFF, or AUTO and no
// MPI found): every process is a single rank, engines run as they are.
#include <cstdio>

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
int rank_threads(int threads, EngineChoice) { return threads; }

}  // namespace attnlim
