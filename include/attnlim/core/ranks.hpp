// The processes of one job (DESIGN.md: ranks merge like threads). A run started by mpirun or srun has
// several ranks; every rank runs the same command, the engine splits the work between them
// (engine/mpi.hpp), and only rank 0 prints and writes. Code below the engine asks this seam, never MPI:
// a single process (the default, and the Python module) is rank 0 of 1.
#pragma once
#include <string>

namespace attnlim {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Collective: every rank calls it; every rank returns rank 0's `bytes` (the others' are ignored).
  virtual std::string broadcast(const std::string& bytes) const = 0;
};

namespace detail {
inline const ProcessGroup*& current_process_group() {
  static const ProcessGroup* group = nullptr;
  return group;
}
}  // namespace detail

// Installed by the MPI session for its lifetime (nullptr: a single process again).
inline void set_process_group(const ProcessGroup* group) { detail::current_process_group() = group; }
inline int process_rank() { return detail::current_process_group() ? detail::current_process_group()->rank() : 0; }
inline int process_count() { return detail::current_process_group() ? detail::current_process_group()->size() : 1; }
// Rank 0 (or a single process): the one that prints and writes files.
inline bool is_root_process() { return process_rank() == 0; }
// Rank 0's bytes on every rank (collective; a single process returns `bytes`).
inline std::string broadcast_from_root(const std::string& bytes) {
  const ProcessGroup* group = detail::current_process_group();
  return group && group->size() > 1 ? group->broadcast(bytes) : bytes;
}

}  // namespace attnlim
