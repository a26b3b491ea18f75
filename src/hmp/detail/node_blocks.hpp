// The node level of dynamic and guided claims when a pool spans nodes: the
// ranks of a node claim from a block held in the node's shared window (a
// compare-and-swap in shared memory, no MPI), and a block is taken from the
// pool's counter (ClaimCounter, one-sided MPI to its rank) only when the
// node's block is used up. Cross-node traffic is one claim per block, not per
// item, which matters where one-sided MPI progresses only while the target
// rank is inside MPI (over TCP: ms per operation, not µs).
//
// Cells: a state (epoch << 32 | next position), the position kRefilling
// while one rank of the node fetches the next block; and per epoch parity
// the block's (call number << 32 | end), end kDone when the pool's counter
// had nothing left for that call. A new block means a new epoch: a rank that
// read a block and then swaps the state it read knows the block was current.
// Two more hold the node's ask ahead (below): its state for a call (asked,
// an answer parked, root has nothing left) and the parked answer.
//
// On kRootServesOnlyFrom nodes or more, in an ordered call (every rank
// waits for it: map, starmap) a node's next block comes from root by
// message instead (serve_from): a request with the call's claim tag,
// answered by root as it waits for the call's results (serve), root taking
// no claims of the call. One-sided atomics aimed at one rank are served one
// after another: 128 nodes' fetches at once made the last wait about 1 ms
// on SimGrid's fat tree (7.4 us each), where root takes 127 messages in 35
// us. On fewer nodes the counter is contended little, and root computes
// (a request would wait behind root's task).
//
// A node asks for its next block before its current one runs out (an ask
// ahead): once the current block holds at most two claims a rank, one rank
// of the node sends a request without waiting and goes on with its claim;
// at its next claim it parks root's answer in the node's cells, and the
// rank that finds the current block used up installs the parked block. So
// a node waits for root only where the asker is still inside a claim when
// the block runs out (uneven tasks); the rank that finds it so asks root
// itself, and the parked answer becomes the block after (block_requests.hpp
// holds the messages and their count).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/block_requests.hpp>
#include <hmp/detail/claim_sizes.hpp>
#include <hmp/detail/node_groups.hpp>

#include <cstdint>
#include <memory>
#include <optional>

namespace hmp::detail {

class ClaimCounter;
class StopBoard;
struct Positions;

class NodeBlocks {
 public:
  /// From this many nodes on, root takes no claims of an ordered call: it
  /// answers the nodes' requests for blocks (which would wait while root ran
  /// a task: a chunk of 62 tasks of 100 us is 6 ms), and its node's share is
  /// dealt to the node's other ranks.
  static constexpr int kRootServesOnlyFrom = 8;

  /// Collective over the pool's ranks grouped as `groups` (they span more
  /// than one node), `root` the pool's root. A wait for another rank's fetch
  /// gives up after `timeout` seconds, naming `rank`.
  NodeBlocks(const NodeGroups& groups, double timeout, int rank, int root);

  /// The next claim of call `seq` below `limit` (sized by `sizes`), from
  /// the node's block; a new block from `pool` when it is used up
  /// (`ordered`: see ClaimCounter::take).
  std::optional<Positions> take(std::uint64_t seq, std::uint64_t limit, bool ordered, const ClaimSizes& sizes,
                                ClaimCounter& pool);
  /// Leaves nothing of call `seq` to take, in `pool` (below `limit`) and in
  /// this node's block; other nodes stop at the end of their block.
  void exhaust(std::uint64_t seq, std::uint64_t limit, bool ordered, bool by_adding, ClaimCounter& pool);
  /// Whether call `seq` has nothing left, here or in `pool`.
  bool exhausted(std::uint64_t seq, std::uint64_t limit, bool ordered, const ClaimCounter& pool) const;
  /// Positions of a call dealt to the nodes at its start, without the pool's
  /// counter (the first block of each): the counter's first position.
  static std::uint64_t dealt(const ClaimSizes& sizes) { return sizes.dealt_per_rank() * sizes.claimers(); }
  /// Blocks this rank fetched from the pool's counter (what crossed nodes).
  std::uint64_t fetches() const noexcept { return fetches_; }

  /// Ordered calls take their blocks from `root` of `comm` by message (see
  /// the top); only where root serves only (kRootServesOnlyFrom).
  void serve_from(MPI_Comm comm, int root, int rank_in_comm);
  /// Whether ordered calls take their blocks from root by message.
  bool served() const noexcept { return requests_ != nullptr; }
  /// Root: answers the block requests of call `seq` (claim tag `tag`) that
  /// wait; true if there were any.
  bool serve(std::uint64_t seq, int tag, std::uint64_t limit, const ClaimSizes& sizes);

  /// A call stopped on the node's board (stop_board.hpp) has nothing left to
  /// take, and a rank waiting for a block or a request's answer stops
  /// waiting (the answer is taken later: finish_requests).
  void watch(const StopBoard& board) { board_ = &board; }
  /// BlockRequests::wake_on and woken (nothing where blocks are not served).
  void wake_on(MPI_Request* request, std::uint64_t seq) {
    if (requests_) requests_->wake_on(request, seq);
  }
  std::optional<MPI_Status> woken() const { return requests_ ? requests_->woken() : std::nullopt; }
  /// Requests for blocks this rank sent root in call `seq` (DataHeader::requests).
  std::uint32_t requests_sent(std::uint64_t seq) const { return requests_ ? requests_->sent(seq) : 0; }
  /// Waits for the answers to requests it stopped waiting for (the call's end).
  void finish_requests();
  /// Root, at the end of call `seq`: takes (and answers with nothing) the
  /// requests of rank `source` it has not taken, `sent` in all.
  void take_requests(std::uint64_t seq, int tag, int source, std::uint32_t sent);

 private:
  struct Seen;
  /// The claimers of a call on the nodes before this one and on this one.
  struct Claimers {
    std::uint64_t before = 0, here = 0;
  };
  Seen read() const;
  Claimers claimers(const ClaimSizes& sizes) const;
  std::optional<Positions> fetch(std::uint64_t seq, std::uint64_t limit, bool ordered, const ClaimSizes& sizes,
                                 ClaimCounter& pool);
  std::optional<Positions> request_block(std::uint64_t seq, std::uint64_t here);
  std::optional<Positions> next_block(std::uint64_t seq, std::uint64_t here);
  void ask_ahead(std::uint64_t seq, std::uint64_t left_in_block, const ClaimSizes& sizes);
  bool park_answer(std::uint64_t seq, bool wait = false);
  bool move_ask(std::uint64_t seq, std::uint64_t from, std::uint64_t to);
  bool wait_for_ask(std::uint64_t seq);
  void let_root_progress() const;
  bool nothing_more(std::uint64_t seq, std::uint64_t end, std::uint64_t limit) const;
  bool stopped(std::uint64_t seq) const;
  /// Takes the request `status` found and answers it from `sizes` (with
  /// nothing without); one that says the call failed has no answer.
  void answer_one(std::uint64_t seq, int tag, const MPI_Status& status, std::uint64_t limit, const ClaimSizes* sizes);
  std::optional<Positions> hand_out(std::uint64_t seq, std::uint64_t limit, std::uint64_t node_claimers,
                                    const ClaimSizes& sizes);
  void start_serving(std::uint64_t seq, const ClaimSizes& sizes);
  void serve_nothing_more(std::uint64_t seq);  ///< root: call `seq` failed
  void wait_for_refill(std::uint64_t seq, MPI_Comm progress);
  void refill(std::uint64_t seq, std::uint64_t limit, bool ordered, const ClaimSizes& sizes, ClaimCounter& pool,
              const Seen& seen);

  AtomicCells<std::uint64_t> cells_;
  bool root_serves_only_;
  /// The pool's ranks on this node and on the nodes before it (group
  /// order), and where root is among them: claimers() leaves root out of a
  /// call it only serves.
  std::uint64_t node_ranks_, ranks_before_ = 0;
  bool root_here_ = false, root_before_ = false;
  double timeout_;
  int rank_;
  std::uint64_t fetches_ = 0;
  // Ordered calls' blocks by message (serve_from); root keeps the next
  // position of the call it serves.
  std::unique_ptr<BlockRequests> requests_;
  int served_rank_ = -1;
  std::uint64_t served_seq_ = 0, served_next_ = 0;
  bool served_started_ = false, served_done_ = false;
  const StopBoard* board_ = nullptr;
  // This rank's ask ahead (at most one a node), for call ahead_seq_.
  BlockRequests::Ask* ahead_ = nullptr;
  std::uint64_t ahead_seq_ = 0;
};

}  // namespace hmp::detail
