// hmp::Lock: a mutex across all ranks of a communicator (Python's
// multiprocessing.Lock, with ranks for processes).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/runtime.hpp>
#include <hmp/timeout.hpp>

#include <cstdint>

namespace hmp {

/// One word holding the owner (rank + 1, or 0 when free), changed by
/// compare-and-swap: an atomic in a shared window when the communicator is
/// on one node, MPI_Compare_and_swap on rank 0's window (passive target)
/// when it spans several. Waiters spin with backoff (yield, then sleeps
/// growing to 1 ms), so oversubscribed ranks still progress.
///
/// Owned by the rank, not a thread: any thread of the holding rank may
/// release it (on several nodes only the thread that made the Runtime may
/// call, MPI being initialized FUNNELED). Unlike Python, releasing a lock
/// this rank does not hold throws UsageError. Satisfies Lockable, so
/// std::lock_guard / std::unique_lock work (Python's `with lock:`).
/// Construction and destruction are collective over the communicator.
class Lock {
 public:
  explicit Lock(const Communicator& comm) : cells_(comm, 1, 0) {}
  explicit Lock(const Runtime& rt) : Lock(rt.world()) {}

  /// Python's acquire(block=True, timeout=None): true when acquired; false
  /// when not blocking and the lock is held, or when the timeout passed.
  bool acquire(bool blocking = true, Timeout timeout = std::nullopt);
  bool acquire(Seconds timeout) { return acquire(true, timeout); }
  /// Throws UsageError when this rank does not hold the lock.
  void release();

  void lock() { acquire(); }
  bool try_lock() { return acquire(false); }
  void unlock() { release(); }

  /// Whether some rank holds it now (a snapshot).
  bool locked() const { return cells_.load(0) != 0; }
  /// Whether this rank holds it.
  bool held_by_me() const { return cells_.load(0) == me(); }

 private:
  std::int32_t me() const { return cells_.rank() + 1; }
  detail::AtomicCells<std::int32_t> cells_;
};

}  // namespace hmp
