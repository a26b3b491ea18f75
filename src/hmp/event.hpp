// hmp::Event: Python's multiprocessing.Event across ranks.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/runtime.hpp>
#include <hmp/timeout.hpp>

namespace hmp {

/// A flag any rank may set or clear; wait() polls it with backoff.
/// Construction is collective; the other calls are not.
class Event {
 public:
  explicit Event(const Communicator& comm) : cells_(comm, 1, 0) {}
  explicit Event(const Runtime& rt) : Event(rt.world()) {}

  void set() { cells_.store(0, 1); }
  void clear() { cells_.store(0, 0); }
  bool is_set() const { return cells_.load(0) != 0; }
  /// True once the flag is set; false if the timeout passes first.
  bool wait(Timeout timeout = std::nullopt);

 private:
  detail::AtomicCells<int> cells_;
};

}  // namespace hmp
