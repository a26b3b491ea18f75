// hmp::Barrier: Python's multiprocessing.Barrier(parties) across ranks.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>
#include <hmp/timeout.hpp>

#include <cstdint>

namespace hmp {

/// The barrier was aborted, or a wait on it timed out (Python's
/// threading.BrokenBarrierError).
class BrokenBarrierError : public Error {
 public:
  using Error::Error;
};

/// `parties` ranks (any of the communicator's, any number of rounds) meet:
/// wait() returns when the parties-th arrival of the round comes. A global
/// arrival counter that never resets (round k ends when it reaches
/// k * parties) keeps rounds apart without a reset race. A wait that times
/// out breaks the barrier, as in Python: it and every later or pending wait
/// throw BrokenBarrierError. Construction is collective over the
/// communicator; wait() is not (unlike MPI_Barrier, parties need not be
/// every rank).
class Barrier {
 public:
  /// parties >= 1; 0 means every rank of the communicator.
  Barrier(const Communicator& comm, int parties = 0);
  Barrier(const Runtime& rt, int parties = 0) : Barrier(rt.world(), parties) {}

  /// Returns this rank's arrival index in the round, 0..parties-1.
  int wait(Timeout timeout = std::nullopt);
  /// Breaks the barrier: pending and later waits throw BrokenBarrierError.
  void abort() { cells_.store(1, 1); }
  bool broken() const { return cells_.load(1) != 0; }
  int parties() const noexcept { return parties_; }
  /// Ranks waiting in the current round (a snapshot).
  int n_waiting() const { return static_cast<int>(cells_.load(0) % parties_); }

 private:
  detail::AtomicCells<std::int64_t> cells_;  // [0] arrivals so far, [1] broken
  int parties_;
};

}  // namespace hmp
