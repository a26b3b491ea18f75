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
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/node_groups.hpp>

#include <cstdint>
#include <functional>
#include <optional>

namespace hmp::detail {

class ClaimCounter;
struct Positions;

class NodeBlocks {
 public:
  /// Positions a claim of a call takes at a position.
  using Want = std::function<std::uint64_t(std::uint64_t)>;

  /// Collective over the pool's ranks grouped as `groups` (they span more
  /// than one node). A wait for another rank's fetch gives up after
  /// `timeout` seconds, naming `rank`.
  NodeBlocks(const NodeGroups& groups, double timeout, int rank);

  /// Up to want(pos) positions of call `seq` below `limit`, from the node's
  /// block; a new block from `pool` when it is used up (`ordered`: see
  /// ClaimCounter::take).
  std::optional<Positions> take(std::uint64_t seq, std::uint64_t limit, bool ordered, const Want& want,
                                ClaimCounter& pool);
  /// Leaves nothing of call `seq` to take, in `pool` (below `limit`) and in
  /// this node's block; other nodes stop at the end of their block.
  void exhaust(std::uint64_t seq, std::uint64_t limit, bool by_adding, ClaimCounter& pool);
  /// Whether call `seq` has nothing left, here or in `pool`.
  bool exhausted(std::uint64_t seq, std::uint64_t limit, const ClaimCounter& pool) const;
  /// Positions of a call dealt to the nodes at its start, without the pool's
  /// counter (the first block of each): the counter's first position.
  std::uint64_t dealt(std::uint64_t limit, const Want& want) const;
  /// Blocks this rank fetched from the pool's counter (what crossed nodes).
  std::uint64_t fetches() const noexcept { return fetches_; }

 private:
  struct Seen;
  Seen read() const;
  std::uint64_t block_size(std::uint64_t pos, std::uint64_t limit, const Want& want) const;
  std::uint64_t dealt_per_rank(std::uint64_t limit, const Want& want) const;
  void wait_for_refill(std::uint64_t seq, MPI_Comm progress) const;
  void refill(std::uint64_t seq, std::uint64_t limit, bool ordered, const Want& want, ClaimCounter& pool,
              const Seen& seen);

  AtomicCells<std::uint64_t> cells_;
  std::uint64_t node_ranks_, nodes_;
  std::uint64_t ranks_before_ = 0, ranks_ = 0;  ///< the pool's ranks on the nodes before this one; in all
  double timeout_;
  int rank_;
  std::uint64_t fetches_ = 0;
};

}  // namespace hmp::detail
