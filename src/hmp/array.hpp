// hmp::RawArray<T> and hmp::Array<T> (Python's multiprocessing.RawArray /
// Array): a SharedArray, one copy per node; Array adds get_lock().
#pragma once

#include <hmp/lock.hpp>
#include <hmp/shared_array.hpp>

namespace hmp {

/// Python's RawArray: shared memory without a lock. Exactly a SharedArray.
template <class T>
using RawArray = SharedArray<T>;

/// Python's Array: a SharedArray with a Lock over the same ranks. Note the
/// lock is job-wide but the data is per node (one copy per node, see
/// shared_array.hpp): holding the lock orders writes within a node; moving
/// them across nodes still takes broadcast_from_root / gather_to_root.
/// Construction is collective.
template <class T>
class Array : public SharedArray<T> {
 public:
  Array(const Communicator& comm, std::size_t size, Placement placement = Placement::first_rank)
      : SharedArray<T>(comm, size, placement), lock_(comm) {}
  Array(const Runtime& rt, std::size_t size, Placement placement = Placement::first_rank)
      : Array(rt.world(), size, placement) {}

  Lock& get_lock() noexcept { return lock_; }

 private:
  Lock lock_;
};

}  // namespace hmp
