// A word in each node's shared memory that root sets, by one-sided MPI, to
// the number of a call that failed: the ranks of a node read it between
// the tasks of a claim (a load, no MPI) and stop at once. A rank in the
// middle of a chunk would otherwise learn of the failure only at the
// chunk's end (700 us for 7 tasks of 100 us) and its node only at its next
// request to root.
//
// Each node leader exposes its node's word in a window on the leaders'
// communicator; root, a node leader, puts the call's number into every
// node's word (no target takes part: over TCP a put lands when the target
// next enters MPI, which is soon, and the outcome message says the same
// anyway). Where root does not lead its node, the board is inactive.
#pragma once

#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/window.hpp>

#include <atomic>
#include <cstdint>

namespace hmp::detail {

/// What a rank checks between tasks: whether its node's word names call `seq`.
struct StopWord {
  std::uint64_t* word = nullptr;  ///< the node's word, or null (no board)
  std::uint64_t seq = 0;
  bool now() const noexcept {
    return word && std::atomic_ref<std::uint64_t>(*word).load(std::memory_order_relaxed) == seq;
  }
};

class StopBoard {
 public:
  StopBoard() = default;
  /// Collective over the ranks of `groups` (spanning more than one node);
  /// `posts` on root where it leads its node.
  StopBoard(const NodeGroups& groups, bool posts);

  /// Whether root can stop the nodes (this rank is root and the board is up).
  bool active() const noexcept { return posting_; }
  /// This node's word for call `seq` (null word without a board).
  StopWord word(std::uint64_t seq) const noexcept { return {word_, seq}; }
  /// Root: tells every node that call `seq` stopped (a put to each leader).
  void post(std::uint64_t seq);
  /// Root: completes the puts of the last post (before the next one).
  void complete();

 private:
  Window node_window_, leaders_window_;
  std::uint64_t* word_ = nullptr;
  bool posting_ = false, in_flight_ = false;
  int leaders_ = 0;
  std::uint64_t posted_ = 0;  ///< the put's source: kept until complete()
};

}  // namespace hmp::detail
