#pragma once
/// \file `mpirun -n K sgdcheck run FILE ...`: rank 0 hands out the work items (cell, seed block) one at
/// a time to whichever thread of whichever rank asks next (dynamic load balancing; rank 0's own
/// threads take items too), workers send back each finished block's accumulator (pipeline/distribute.hpp)
/// and rank 0 reduces every cell's blocks in block order, as one process would: the results do not
/// depend on who ran what. Only rank 0 plans outputs, prints and writes; every rank plans the
/// experiment itself (the same files, options and code give the same items).
///
/// Protocol (MPI_COMM_WORLD, one message per step): a worker thread sends REQUEST and gets ITEM (cell,
/// block), NO_MORE or ABORT; it answers an ITEM with RESULT (the encoded block) or FAIL (the rank's
/// one-line error naming the cell). After NO_MORE a worker sends END_PLAN once its threads are done
/// (its RESULTs precede it: MPI keeps the order of one sender's messages). On FAIL, an interrupt or an
/// error on rank 0, rank 0 stops handing out items, answers every REQUEST with ABORT, waits until each
/// worker has stopped and reports one line (an internal error naming the rank and the cell); nothing
/// is committed. At the end of the session each worker sends BYE and waits for FINAL, which carries
/// rank 0's exit code, so every rank exits with the same code. Waiting is by MPI_Iprobe and short
/// sleeps, never a spinning blocking receive (the ranks share the cores with the computation).
///
/// This header needs no MPI headers; it is compiled only when CMake finds MPI (SGDCHECK_HAVE_MPI).
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

namespace sgdcheck::pipeline {

/// True when this process was started by an MPI launcher (mpirun / mpiexec / srun with PMI or PMIx).
inline bool launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_RANK");
}

class MpiSession : public Scheduler {
 public:
  /// MPI_Init_thread (MPI_THREAD_SERIALIZED: worker threads take turns on a mutex). Throws
  /// std::runtime_error if MPI cannot give that level.
  MpiSession(int& argc, char**& argv);
  ~MpiSession() override;  ///< MPI_Finalize (after finish)
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool schedule(const WorkItems& items, int jobs) override;

  /// End of the session with this rank's exit code and its error line (empty: none). Rank 0: stops
  /// the workers and tells them `rc`; returns rc. A worker: reports its error to rank 0 (unless rank 0
  /// stopped it), says BYE and returns rank 0's exit code.
  int finish(int rc, const std::string& error);

 private:
  bool schedule_root(const WorkItems& items, int jobs);
  bool schedule_worker(const WorkItems& items, int jobs);
  int rank_ = 0, size_ = 1;
  bool stopped_ = false;  ///< a worker that rank 0 stopped (ABORT): its own error is not news
  bool failed_sent_ = false;
  std::vector<char> byed_;  ///< rank 0: workers that said BYE
};

}  // namespace sgdcheck::pipeline
