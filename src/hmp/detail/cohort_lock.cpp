#include <hmp/detail/cohort_lock.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

namespace hmp::detail {

namespace {

// The node word: owner (group rank + 1, or 0) in bits 0-23, ranks of the
// node counted as waiting in bits 24-47, the cohort bit (the node holds the
// global word) in bit 48. Every change is one compare-and-swap of the word.
struct NodeWord {
  std::int64_t owner, waiters;
  bool cohort;
  static NodeWord of(std::int64_t w) { return {w & 0xffffff, (w >> 24) & 0xffffff, ((w >> 48) & 1) != 0}; }
  std::int64_t bits() const { return owner | (waiters << 24) | (std::int64_t{cohort} << 48); }
};

}  // namespace

CohortLock::CohortLock(const Communicator& comm)
    : global_(comm, 1, 0), word_(global_.shared_cell(0)), me_(global_.rank() + 1) {
  if (global_.single_node()) return;
  if (global_.comm().size() >= (1 << 24)) throw UsageError("hmp::Lock: more than 2^24 - 1 ranks");
  node_ = std::make_unique<AtomicCells<std::int64_t>>(global_.groups().node, 2, 0);
}

bool CohortLock::acquire(const Deadline& deadline) {
  const bool got = take(deadline);
  if (got) held_.store(true, std::memory_order_relaxed);
  return got;
}

bool CohortLock::take(const Deadline& deadline) {
  if (!node_) return wait_until([&] { return take_word(); }, deadline);
  if (!acquire_node(deadline)) return false;
  if (NodeWord::of(node_->load(0)).cohort) return true;  // handed over with the global word
  const std::int32_t node_id = global_.groups().node_index + 1;
  const bool got = wait_until(
      [&] {
        // Read before the compare-and-swap: a read is one polled request,
        // the compare-and-swap two and a flush (see rma_atomic.hpp).
        std::int32_t expected = 0;
        return global_.load(0) == 0 && global_.compare_exchange(0, expected, node_id);
      },
      deadline, global_.progress_comm());
  if (!got) {
    hand_back_or_release();  // others of this node may be counted on it
    return false;
  }
  node_->store(1, 0);
  std::int64_t w = node_->load(0);
  for (;;) {  // only the owner changes the cohort bit
    NodeWord n = NodeWord::of(w);
    n.cohort = true;
    if (node_->compare_exchange(0, w, n.bits())) return true;
  }
}

// Takes this node's word; counts this rank as waiting while it is held, so
// the holder hands the lock over instead of releasing it to other nodes.
bool CohortLock::acquire_node(const Deadline& deadline) {
  bool counted = false;
  const bool got = wait_until(
      [&] {
        std::int64_t w = node_->load(0);
        for (;;) {
          NodeWord n = NodeWord::of(w);
          const bool take = n.owner == 0;
          if (take) {
            n.owner = me();
            n.waiters -= counted ? 1 : 0;
          } else if (!counted && !deadline.expired()) {
            ++n.waiters;
          } else {
            return false;
          }
          if (node_->compare_exchange(0, w, n.bits())) {
            counted = !take;
            return take;
          }
        }
      },
      deadline, global_.progress_comm(), node_->shared_cell(0));
  if (!got && counted) give_up_node_wait();
  return got;
}

// A counted waiter leaves. If the lock was handed to this node's waiters
// and this rank is the last of them, it takes the lock and passes it on
// (or releases it), or the global word would stay with a node nobody uses.
void CohortLock::give_up_node_wait() {
  std::int64_t w = node_->load(0);
  for (;;) {
    NodeWord n = NodeWord::of(w);
    const bool last_of_handed = n.owner == 0 && n.cohort && n.waiters == 1;
    n.waiters -= 1;
    if (last_of_handed) n.owner = me();
    if (node_->compare_exchange(0, w, n.bits())) {
      if (last_of_handed) hand_back_or_release();
      return;
    }
  }
}

// Several nodes, or a release without the lock (one node's release is inline).
void CohortLock::release_slow(const char* what) {
  if (!held_by_me()) throw UsageError(holder(what));
  held_.store(false, std::memory_order_relaxed);
  hand_back_or_release();
}

// The owner's release on several nodes: hand over inside the node while
// ranks wait there (and the node has not passed it too often), else give
// the global word back (if the node holds it) and free the node word.
void CohortLock::hand_back_or_release() {
  std::int64_t w = node_->load(0);
  const std::int64_t passes = node_->load(1);
  NodeWord n = NodeWord::of(w);
  while (n.cohort && n.waiters > 0 && passes < kMaxPasses) {
    node_->store(1, passes + 1);  // read by the next owner
    if (node_->compare_exchange(0, w, NodeWord{0, n.waiters, true}.bits())) return wake_node_waiter();
    n = NodeWord::of(w);
  }
  if (n.cohort) {
    if (before_global_release_) before_global_release_();
    global_.store(0, 0);
  }
  for (;;) {
    n = NodeWord::of(w);
    if (node_->compare_exchange(0, w, NodeWord{0, n.waiters, false}.bits())) {
      if (n.waiters > 0) wake_node_waiter();
      return;
    }
  }
}

// A waiter of this node sleeps on the node word (acquire_node): wake one
// when the word was freed.
void CohortLock::wake_node_waiter() { wake_word_waiters(node_->shared_cell(0)); }

bool CohortLock::locked() const {
  if (!node_) return global_.load(0) != 0;
  return NodeWord::of(node_->load(0)).owner != 0 || global_.load(0) != 0;
}

// Several nodes: the node word's owner holds the lock only while its node
// holds the global word; before that it waits, like the others, for the
// node named in the global word.
std::string CohortLock::holder(const char* what) const {
  const std::string mine = std::to_string(rank());
  const std::int64_t global = global_.load(0);
  std::int64_t owner = global;
  if (node_) {
    owner = NodeWord::of(node_->load(0)).owner;
    if (global != 0 && global != global_.groups().node_index + 1)
      return std::string(what) + ": the lock is held by a rank of another node, not by this rank " + mine;
  }
  if (owner != 0)
    return std::string(what) + ": the lock is held by rank " + std::to_string(owner - 1) + ", not by this rank " + mine;
  if (global != 0)
    return std::string(what) + ": the lock is being handed between ranks of this node, not held by this rank " + mine;
  return std::string(what) + ": the lock is not held; release only after acquire";
}

}  // namespace hmp::detail
