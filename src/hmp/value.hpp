// hmp::RawValue<T> and hmp::Value<T>: one number shared by every rank of a
// communicator (Python's multiprocessing.RawValue / Value).
//
// "Shared" here means per job, not per node: there is one value, whatever
// the number of nodes. On one node it lives in a shared window and every
// operation is a std::atomic_ref on it; across nodes it lives in one window
// on rank 0 of the communicator and every operation is an MPI atomic
// (MPI_Rget_accumulate or MPI_Compare_and_swap, passive target, see
// detail/atomic_cells.hpp), so each call is a round trip to rank 0's node.
// Every operation is atomic, even on RawValue; Value only adds get_lock(), a
// Lock over the same ranks, for read-modify-write sequences longer than one
// call.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/lock.hpp>
#include <hmp/runtime.hpp>

namespace hmp {

template <detail::AtomicCellValue T>
class RawValue {
 public:
  /// Collective over `comm`; every rank must pass the same `initial`.
  explicit RawValue(const Communicator& comm, T initial = T{}) : cells_(comm, 1, initial) {}
  explicit RawValue(const Runtime& rt, T initial = T{}) : RawValue(rt.world(), initial) {}

  /// Python's .value (read and write).
  T value() const { return cells_.load(0); }
  void set_value(T v) { cells_.store(0, v); }
  T load() const { return cells_.load(0); }
  void store(T v) { cells_.store(0, v); }
  T exchange(T v) { return cells_.exchange(0, v); }
  /// Returns the value before the addition.
  T fetch_add(T v) { return cells_.fetch_add(0, v); }
  T fetch_sub(T v) { return cells_.fetch_add(0, static_cast<T>(-v)); }
  /// std::atomic's compare_exchange_strong: on failure `expected` gets the
  /// value found (floating point compares bits).
  bool compare_exchange(T& expected, T desired) { return cells_.compare_exchange(0, expected, desired); }

  /// True when the ranks reach the value through shared memory (one node).
  bool single_node() const noexcept { return cells_.single_node(); }

 private:
  detail::AtomicCells<T> cells_;
};

template <detail::AtomicCellValue T>
class Value : public RawValue<T> {
 public:
  explicit Value(const Communicator& comm, T initial = T{}) : RawValue<T>(comm, initial), lock_(comm) {}
  explicit Value(const Runtime& rt, T initial = T{}) : Value(rt.world(), initial) {}

  /// A Lock over the same ranks (Python's get_lock()).
  Lock& get_lock() noexcept { return lock_; }

 private:
  Lock lock_;
};

}  // namespace hmp
