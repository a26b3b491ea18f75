// hmp::Lock: a mutex across all ranks of a communicator (Python's
// multiprocessing.Lock, with ranks for processes).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/cohort_lock.hpp>
#include <hmp/runtime.hpp>
#include <hmp/timeout.hpp>

namespace hmp {

/// A cohort lock (detail/cohort_lock.hpp): on one node, one word holding
/// the owner in a shared window, taken by compare-and-swap and freed by a
/// store; across nodes, a word per node (shared memory) and one global word
/// (MPI RMA on rank 0's window), handed inside a node while its ranks wait,
/// so the network is crossed once per batch of holders. Waiters poll,
/// sleeping at most 50 µs between polls; across nodes, rank 0 (where the
/// global word lives) enters MPI in every poll and sleeps at most 20 µs, so
/// the RMA of the others progresses (detail/wait_until.hpp).
///
/// Owned by the rank, not a thread: any thread of the holding rank may
/// release it (on several nodes only the thread that made the Runtime may
/// call, MPI being initialized FUNNELED). Unlike Python, releasing a lock
/// this rank does not hold throws UsageError. Satisfies Lockable, so
/// std::lock_guard / std::unique_lock work (Python's `with lock:`).
/// Construction and destruction are collective over the communicator.
class Lock {
 public:
  explicit Lock(const Communicator& comm) : lock_(comm) {}
  explicit Lock(const Runtime& rt) : Lock(rt.world()) {}

  /// Python's acquire(block=True, timeout=None): true when acquired; false
  /// when not blocking and the lock is held, or when the timeout passed.
  bool acquire(bool blocking = true, Timeout timeout = std::nullopt) {
    if (!timeout && lock_.try_acquire_now()) return true;  // free: no deadline to set up
    return acquire_waiting(blocking, timeout);
  }
  bool acquire(Seconds timeout) { return acquire(true, timeout); }
  /// Throws UsageError when this rank does not hold the lock.
  void release() { lock_.release("Lock::release"); }

  void lock() { acquire(); }
  bool try_lock() { return acquire(false); }
  void unlock() { release(); }

  /// Whether some rank holds it now (a snapshot).
  bool locked() const { return lock_.locked(); }
  /// Whether this rank holds it.
  bool held_by_me() const { return lock_.held_by_me(); }

  /// The cohort lock underneath (for hmp's own Value).
  detail::CohortLock& cohort() noexcept { return lock_; }

 private:
  bool acquire_waiting(bool blocking, Timeout timeout);

  detail::CohortLock lock_;
};

}  // namespace hmp
