// hmp::RawValue<T> and hmp::Value<T>: one number shared by every rank of a
// communicator (Python's multiprocessing.RawValue / Value).
//
// "Shared" here means per job, not per node: there is one value, whatever
// the number of nodes. On one node it lives in a shared window and every
// operation is a std::atomic_ref on it; across nodes it lives in one window
// on rank 0 of the communicator and every operation of a RawValue is an MPI
// atomic (MPI_Rget_accumulate or MPI_Compare_and_swap, passive target, see
// detail/atomic_cells.hpp), so each call is a round trip to rank 0's node.
// Every operation is atomic, even on RawValue; Value adds get_lock(), a
// Lock over the same ranks, for read-modify-write sequences longer than one
// call, and every operation of a Value holds that lock, as each .value of
// Python's synchronized Value does. Across nodes the node whose ranks hold
// the lock keeps the number in its shared memory until it gives the lock to
// another node (detail/node_value_cache.hpp): a run of locked increments on
// one node crosses the network twice, not twice per increment.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/node_value_cache.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>
#include <hmp/lock.hpp>
#include <hmp/runtime.hpp>
#include <hmp/timeout.hpp>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

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

 protected:
  detail::AtomicCells<T> cells_;
};

/// Every call holds get_lock() (taken for the call unless this rank holds
/// it already), as each .value of Python's synchronized Value does: so calls
/// without the lock and read-modify-writes under it never lose each other's
/// writes. Not a RawValue& (private base): a RawValue's calls would bypass
/// the lock, and across nodes the node's copy.
template <detail::AtomicCellValue T>
class Value : private RawValue<T> {
  using Raw = RawValue<T>;

 public:
  explicit Value(const Communicator& comm, T initial = T{}) : Raw(comm, initial), lock_(comm) {
    if (!Raw::single_node()) cache_ = std::make_unique<detail::NodeValueCache<T>>(this->cells_, lock_.cohort());
  }
  explicit Value(const Runtime& rt, T initial = T{}) : Value(rt.world(), initial) {}

  /// Python's .value (read and write).
  T value() const { return load(); }
  void set_value(T v) { store(v); }
  T load() const {
    return locked([](auto& c) { return c.load(); });
  }
  void store(T v) {
    locked([v](auto& c) { c.store(v); });
  }
  T exchange(T v) {
    return locked([v](auto& c) {
      const T old = c.load();
      c.store(v);
      return old;
    });
  }
  /// Returns the value before the addition.
  T fetch_add(T v) {
    return locked([v](auto& c) {
      const T old = c.load();
      c.store(plus(old, v));
      return old;
    });
  }
  T fetch_sub(T v) { return fetch_add(static_cast<T>(-v)); }
  /// std::atomic's compare_exchange_strong: on failure `expected` gets the
  /// value found (floating point compares bits).
  bool compare_exchange(T& expected, T desired) {
    return locked([&](auto& c) {
      const T old = c.load();
      if (std::memcmp(&old, &expected, sizeof(T)) != 0) {
        expected = old;
        return false;
      }
      c.store(desired);
      return true;
    });
  }
  using Raw::single_node;

  /// A Lock over the same ranks (Python's get_lock()).
  Lock& get_lock() noexcept { return lock_; }

 private:
  // The number itself, on one node: the shared window's cell. Relaxed:
  // every access holds the lock, whose acquire and release order them.
  struct InPlace {
    T* cell;
    T load() const { return std::atomic_ref<T>(*cell).load(std::memory_order_relaxed); }
    void store(T v) { std::atomic_ref<T>(*cell).store(v, std::memory_order_relaxed); }
  };
  // f(the number: in place on one node, the node's copy across nodes)
  // under the lock. Inside the caller's own `with v.get_lock():` (held
  // already) nothing is taken or checked again.
  template <class F>
  decltype(auto) locked(F&& f) const {
    if (lock_.held_by_me()) return on_number(f);
    const std::unique_lock<Lock> hold = take_lock();
    return on_number(f);
  }
  template <class F>
  decltype(auto) on_number(F& f) const {
    if (cell_) {
      InPlace in_place{cell_};
      return f(in_place);
    }
    return f(*cache_);
  }
  // The lock for one call: at once when it is free, else a wait that gives
  // up after HMP_WAIT_TIMEOUT (600 s unless set) with a message naming this
  // rank and the holder.
  std::unique_lock<Lock> take_lock() const {
    if (!lock_.cohort().try_acquire_now()) wait_for_lock();
    return std::unique_lock<Lock>(lock_, std::adopt_lock);
  }
  void wait_for_lock() const {
    static const double limit = detail::wait_timeout_from_environment();
    if (!lock_.acquire(Seconds(limit)))
      throw detail::wait_timed_out(lock_.cohort().rank(), limit,
                                   "for the lock every call of a hmp::Value takes (" +
                                       lock_.cohort().holder("its holder") +
                                       "); does the holder compute that long, or is it gone?");
  }
  // a + b, wrapping as std::atomic's fetch_add does for integers.
  static T plus(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
    } else {
      return a + b;
    }
  }

  mutable Lock lock_;
  T* const cell_ = Raw::cells_.shared_cell(0);  // one node only
  std::unique_ptr<detail::NodeValueCache<T>> cache_;  // several nodes only; goes before lock_
};

}  // namespace hmp
