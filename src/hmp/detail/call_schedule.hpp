// How one pool call's items are dealt to ranks: one object per kind of
// schedule (hmp::Schedule::Kind), plus the single-rank one of apply and
// Process. Each answers the two questions the engine asks: which items a
// rank takes next (the claim path) and, for static kinds, who holds item i
// (from_root sends each rank its share).
#pragma once

#include <hmp/detail/claim_counter.hpp>
#include <hmp/detail/range.hpp>
#include <hmp/schedule.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace hmp::detail {

/// What a schedule is dealt over: the call's items, the pool's ranks and
/// each rank's threads, and the call's number (for the claim counter).
struct CallShape {
  std::uint64_t n = 0;
  int ranks = 1;
  int threads = 1;
  std::uint64_t seq = 0;
  /// No rank claims a later call while this one has items left (a call every
  /// rank waits for): claims may then add to the counter (ClaimCounter::take).
  bool ordered = false;
  /// Root would take no claims of this call: it answers the nodes' requests
  /// for blocks (node_blocks.hpp). The default chunksize then counts the
  /// ranks that claim, as Python's counts the pool's workers: counting root
  /// gave 4 chunks a rank for one rank fewer, and some rank a fifth.
  bool claims_served_by_root = false;

  /// The ranks that claim items of the call: the one count of them, which
  /// the default chunksize, guided's claims and the nodes' blocks divide by.
  int claiming() const noexcept { return ranks - (claims_served_by_root && ranks > 1 ? 1 : 0); }
};

/// A rank's place in a static schedule: how many of its chunks it took.
struct Cursor {
  std::uint64_t taken = 0;
};

class CallSchedule {
 public:
  virtual ~CallSchedule() = default;
  /// Appends to `out` the items `rank` takes next: one claim, run by the
  /// rank's team of threads. False when the rank has nothing left.
  virtual bool next(int rank, Cursor& cursor, std::vector<Range>& out) = 0;
  /// The rank that holds item `i`; -1 when ranks decide as they claim.
  virtual int owner_of(std::uint64_t i) const = 0;
  /// Whether `rank` has nothing left to take (without taking anything).
  virtual bool exhausted(int rank, const Cursor& cursor) const = 0;
  /// Root, at a call every rank waits for, when no earlier call has items
  /// left: prepares the claim counter (ClaimCounter::begin).
  virtual void begin_claims() {}
  /// Root, in an ordered call across nodes: answers the nodes' requests for
  /// blocks that wait (node_blocks.hpp); true if there were any.
  virtual bool serve_blocks() { return false; }
  /// After a task failed: no rank claims more of the call (claimed kinds;
  /// static shares run on, each rank stopping at its own failure).
  virtual void stop_claims() {}
  /// Whether who holds what is fixed before the call runs (static kinds).
  virtual bool is_static() const noexcept { return true; }
  /// Items per chunk, resolved from the call's chunksize and shape.
  std::uint64_t chunk() const noexcept { return chunk_; }

  /// Every range `rank` holds in a static schedule (what from_root sends it).
  std::vector<Range> share_of(int rank);

 protected:
  CallSchedule(const CallShape& shape, std::uint64_t chunk) : shape_(shape), chunk_(chunk) {}
  CallShape shape_;
  std::uint64_t chunk_;
};

/// The schedule of a call over `shape`; `owner` >= 0 runs every item on that
/// rank (apply, Process). Dynamic and guided claim from `counter`. Throws
/// UsageError when the call has more chunks than the counter can count.
std::unique_ptr<CallSchedule> make_call_schedule(const Schedule& schedule, const CallShape& shape,
                                                 ClaimCounter& counter, int owner = -1);

/// The schedule of a from_root call: root must know who processes what to
/// send the items, so dynamic and guided become static_cyclic with Python's
/// default chunksize (static_block stays).
Schedule schedule_for_inputs_from_root(Schedule schedule, std::uint64_t n, std::size_t workers);

}  // namespace hmp::detail
