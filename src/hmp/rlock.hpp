// hmp::RLock: a reentrant lock across ranks (Python's multiprocessing.RLock).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/cohort_lock.hpp>
#include <hmp/runtime.hpp>
#include <hmp/timeout.hpp>

#include <atomic>
#include <thread>

namespace hmp {

/// Owned by one (rank, thread): that thread may acquire it again and must
/// release it as often; another thread of the same rank waits like any
/// other rank. The cross-rank part is a Lock's (see lock.hpp); the
/// thread and the depth are kept in the rank. Releasing it when this
/// thread does not hold it throws UsageError. Collective construction.
class RLock {
 public:
  explicit RLock(const Communicator& comm) : lock_(comm) {}
  explicit RLock(const Runtime& rt) : RLock(rt.world()) {}
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  bool acquire(bool blocking = true, Timeout timeout = std::nullopt);
  bool acquire(Seconds timeout) { return acquire(true, timeout); }
  void release();

  void lock() { acquire(); }
  bool try_lock() { return acquire(false); }
  void unlock() { release(); }

  /// How many times the calling thread holds it (0: not at all).
  int depth() const;

 private:
  detail::CohortLock lock_;
  std::atomic<std::thread::id> holder_{};
  int depth_ = 0;  // touched only by the holding thread
};

}  // namespace hmp
