// Runs over MPI ranks (mpirun, srun): every rank runs the same command; the engines built here split each
// run between the ranks and give every rank the same result, so drivers run unchanged and only rank 0 prints
// and writes (core/ranks.hpp). Built with OpenMPI where CMake finds it (ATTNLIM_MPI=AUTO); without it, or
// when the process was not started by an MPI launcher, the process is rank 0 of 1 and nothing changes.
//
// How work is split (host/distributed/mpi.cpp):
// - Trials: with at least as many trials as ranks (and always for the order-statistics engine), each rank
//   runs a contiguous block of trials. Every trial is computed whole by the same code as in one process, so
//   the states and the JSON are identical bit for bit for any number of ranks.
// - Keys: with fewer trials than ranks (one trial of 1e12 keys), each trial's keys are split into P
//   contiguous ranges on the engine's block boundaries, and rank 0 merges the ranges in rank order. Top-k and
//   the minimum distance are identical; the sums differ from one process by rounding only (merge order).
// - Self-attention: the (n, gamma, trial) runs of a batch, in contiguous blocks.
#pragma once
#include <memory>
#include <string>

#include "attnlim/engine/engine.hpp"
#include "attnlim/engine/self_attention.hpp"

namespace attnlim {

// This build has MPI support.
bool mpi_built();

class MpiSession {
 public:
  // Joins the MPI job when an MPI launcher started the process (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK
  // in the environment); otherwise this is a single process. In a job of several ranks, ranks other than 0
  // get /dev/null as stdout, and core/ranks.hpp's process group is installed.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const;
  int size() const;
  int local_rank() const;  // among the ranks on this node
  int local_size() const;

  // Ends a failed run with `line` (one line, "attnlim: error: ...") and returns the exit code to return from
  // main. Alone: prints the line. In a job: when every rank failed alike (bad input, or an error one rank met
  // in a run, which every rank rethrows), rank 0 prints the line and all return `code`; when only this rank
  // failed, it prints the line naming its rank and aborts the whole job with `code` (MPI_Abort).
  int fail(int code, const std::string& line);

 private:
  bool joined_ = false;
};

// `local` alone; in a job of several ranks, an engine that splits each run over the ranks as described above,
// folds the ranks' states on every rank in a fixed order and reports the keys done by all ranks. A rank whose
// part fails makes every rank throw its error ("rank R: ..."; an InputError stays one).
std::unique_ptr<Engine> distribute(std::unique_ptr<Engine> local);
std::unique_ptr<SelfAttentionEngine> distribute(std::unique_ptr<SelfAttentionEngine> local);

// This rank's CPU threads: with threads 0 (all) and several ranks on one node, the node's CPUs divided between
// them, unless the launcher bound the rank to its own cores (then those). (Each rank's GPU, local rank mod the
// node's device count, is chosen by MpiSession.)
int rank_threads(int threads);

// Why this process cannot run as started, or "": srun -n N (N > 1) without an MPI plugin gives N copies that
// each think they are alone.
std::string launch_problem();

}  // namespace attnlim
