// The job-wide mutex under hmp::Lock and hmp::RLock: one word per node and,
// across nodes, one word for the whole job (a cohort lock, after Dice,
// Marathe and Shavit, "Lock Cohorting", PPoPP 2012).
//
// One node: a single word in a shared window holds the owner (group rank
// + 1, or 0), taken by compare-and-swap once a read shows it free, freed
// by a release store; both inline, so an uncontended acquire and release
// cost one atomic instruction and one plain store.
// Several nodes: the ranks of a node first take their node's word (shared
// memory atomics); the winner then takes the global word (MPI RMA on group
// rank 0, see atomic_cells.hpp) for its node. A releaser that sees ranks of
// its own node counted as waiting hands the lock to them with the global
// word still held (the node word's `cohort` bit), up to kMaxPasses times in
// a row; then, or with no one waiting on its node, it releases the global
// word for the other nodes. So a lock used by ranks of several nodes
// crosses the network once per batch of holders, not once per acquire.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/timeout.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace hmp::detail {

class CohortLock {
 public:
  /// Collective over `comm`.
  explicit CohortLock(const Communicator& comm);

  /// True when acquired before the deadline (a non-blocking deadline tries once).
  bool acquire(const Deadline& deadline);
  /// One try for the uncontended case, with no deadline set up and no clock
  /// read: on one node, the word taken if it is free; false across nodes
  /// or when it is held (then acquire()).
  bool try_acquire_now() {
    if (!word_ || !take_word()) return false;
    held_.store(true, std::memory_order_relaxed);
    return true;
  }
  /// Throws UsageError, prefixed with `what`, when this rank is not the holder.
  void release(const char* what) {
    if (word_ && held_by_me()) {  // one node: a store, no read-modify-write
      held_.store(false, std::memory_order_relaxed);
      std::atomic_ref<std::int32_t>(*word_).store(0, std::memory_order_release);
      return;
    }
    release_slow(what);
  }

  /// Whether some rank holds it (a snapshot; a hand-over counts as held).
  bool locked() const;
  /// From this rank's own record, not the shared word: a holder that asks
  /// inside its critical section (Value's calls do) does not pull the
  /// contended word's cache line away from its waiters.
  bool held_by_me() const { return held_.load(std::memory_order_relaxed); }
  /// `what`, then who holds the lock (a rank, a rank of another node, or
  /// nobody) and that it is not this rank.
  std::string holder(const char* what) const;
  /// This rank in the communicator the lock was made on.
  int rank() const noexcept { return global_.rank(); }

  /// Several nodes: runs `f` on the rank that gives the global word back to
  /// the other nodes, just before it does (the lock is still its node's);
  /// a Value writes its node's copy back there (node_value_cache.hpp).
  /// Empty: nothing.
  void before_global_release(std::function<void()> f) { before_global_release_ = std::move(f); }

  /// Hand-overs inside a node before the global word is given up.
  static constexpr std::int64_t kMaxPasses = 32;

 private:
  std::int32_t me() const { return me_; }
  // One node: takes the word if it is free. Reads before the
  // compare-and-swap, so a waiter's failed tries do not take the word's
  // cache line away from the holder.
  bool take_word() {
    std::atomic_ref<std::int32_t> w(*word_);
    std::int32_t expected = 0;
    return w.load(std::memory_order_relaxed) == 0 &&
           w.compare_exchange_strong(expected, me_, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void release_slow(const char* what);
  bool take(const Deadline& deadline);
  bool acquire_node(const Deadline& deadline);
  void give_up_node_wait();
  void hand_back_or_release();
  void wake_node_waiter();

  AtomicCells<std::int32_t> global_;  // [0]: owner (one node) or owning node + 1
  // Several nodes only: [0] the node word (owner | waiters | cohort bit),
  // [1] hand-overs since the node took the global word (touched by the owner).
  std::unique_ptr<AtomicCells<std::int64_t>> node_;
  std::int32_t* word_ = nullptr;  // one node: global_'s word in the shared window
  std::int32_t me_ = 0;           // group rank + 1
  std::function<void()> before_global_release_;
  std::atomic<bool> held_{false};  // this rank holds the lock (any thread of it may release)
};

}  // namespace hmp::detail
