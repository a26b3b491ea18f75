// hmp::RawArray<T> and hmp::Array<T> (Python's multiprocessing.RawArray /
// Array): a SharedArray, one copy per node; Array's element access takes
// its lock, as Python's Array(typecode, n, lock=True) does.
#pragma once

#include <hmp/rlock.hpp>
#include <hmp/shared_array.hpp>

#include <mutex>

namespace hmp {

/// Python's RawArray: shared memory without a lock. Exactly a SharedArray.
template <class T>
using RawArray = SharedArray<T>;

/// Python's Array (lock=True): a SharedArray with an RLock over the same
/// ranks, and `a[i]` reads and writes under it, each made visible to the
/// node's other ranks before the lock is released (Python's
/// SynchronizedArray). `a[i] += v` and `-=` are one locked
/// read-modify-write (Python's take the lock twice). The lock is reentrant,
/// so `std::lock_guard g(a.get_lock()); a[0] = a[1];` works as Python's
/// `with a.get_lock():` does. `get_obj()` (and `data()`, `begin()`,
/// `span()`, the Eigen views) is the raw array, no lock: for bulk work under
/// one get_lock(). Python's lock=False is RawArray.
///
/// The lock is job-wide but the data is per node (one copy per node, see
/// shared_array.hpp): holding the lock orders accesses within a node;
/// moving data across nodes still takes broadcast_from_root /
/// gather_to_root. Construction is collective.
template <class T>
class Array : public SharedArray<T> {
 public:
  Array(const Communicator& comm, std::size_t size, Placement placement = Placement::first_rank)
      : SharedArray<T>(comm, size, placement), lock_(comm) {}
  Array(const Runtime& rt, std::size_t size, Placement placement = Placement::first_rank)
      : Array(rt.world(), size, placement) {}

  /// One element, read and written under the lock.
  class Element {
   public:
    operator T() const {
      return a_.locked(i_, [&](T& x) { return x; });
    }
    Element& operator=(const T& v) {
      a_.locked(i_, [&](T& x) { x = v; });
      return *this;
    }
    Element& operator=(const Element& other) { return *this = static_cast<T>(other); }
    Element& operator+=(const T& v) {
      a_.locked(i_, [&](T& x) { x += v; });
      return *this;
    }
    Element& operator-=(const T& v) {
      a_.locked(i_, [&](T& x) { x -= v; });
      return *this;
    }

   private:
    friend class Array;
    Element(Array& a, std::size_t i) : a_(a), i_(i) {}
    Array& a_;
    std::size_t i_;
  };

  /// Python's a[i]: under the lock (unchecked index, like SharedArray's).
  Element operator[](std::size_t i) noexcept { return Element(*this, i); }
  T operator[](std::size_t i) const { return Element(const_cast<Array&>(*this), i); }
  /// a[i] with the index checked (UsageError), under the lock.
  Element at(std::size_t i) {
    (void)SharedArray<T>::at(i);
    return Element(*this, i);
  }
  T at(std::size_t i) const {
    (void)SharedArray<T>::at(i);
    return (*this)[i];
  }

  /// Python's get_obj(): the array itself, without the lock.
  SharedArray<T>& get_obj() noexcept { return *this; }
  const SharedArray<T>& get_obj() const noexcept { return *this; }

  /// Python's get_lock(): reentrant, over the same ranks.
  RLock& get_lock() const noexcept { return lock_; }

 private:
  // f(element) under the lock, with the node's view synchronized on both
  // sides: see the previous holder's stores, publish ours before release.
  template <class F>
  decltype(auto) locked(std::size_t i, F&& f) {
    std::lock_guard<RLock> hold(lock_);
    this->sync();
    struct Publish {
      const Array& a;
      ~Publish() { a.sync(); }
    } publish{*this};
    return f(this->data()[i]);
  }
  mutable RLock lock_;
};

}  // namespace hmp
