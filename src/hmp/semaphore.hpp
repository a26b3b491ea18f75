// hmp::Semaphore: a counting semaphore across ranks (Python's
// multiprocessing.Semaphore).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/runtime.hpp>
#include <hmp/timeout.hpp>

#include <cstdint>

namespace hmp {

/// A counter: acquire takes one when it is above zero (compare-and-swap),
/// else waits with backoff; release adds back. Same mechanism as Lock
/// (shared-window atomics on one node, MPI RMA atomics on several).
/// Like Python's Semaphore, release is not bounded by the initial value.
/// Construction is collective.
class Semaphore {
 public:
  /// value >= 0 (UsageError otherwise).
  Semaphore(const Communicator& comm, std::int32_t value = 1);
  Semaphore(const Runtime& rt, std::int32_t value = 1) : Semaphore(rt.world(), value) {}

  bool acquire(bool blocking = true, Timeout timeout = std::nullopt);
  bool acquire(Seconds timeout) { return acquire(true, timeout); }
  /// Adds n >= 1 (UsageError otherwise).
  void release(std::int32_t n = 1);
  /// The counter now (a snapshot).
  std::int32_t get_value() const { return cells_.load(0); }

  void lock() { acquire(); }
  bool try_lock() { return acquire(false); }
  void unlock() { release(); }

 private:
  detail::AtomicCells<std::int32_t> cells_;  // 32-bit: see atomic_cells.hpp
};

}  // namespace hmp
