// The shared position counter that dynamic and guided schedules claim from.
// One cell holds (call number << 32 | next position): a rank that finds an
// earlier call's number there moves it to its own call, and every claim is a
// compare-and-swap, so a rank still finishing an earlier call can never take
// positions of a later one.
//
// When the pool spans nodes, ranks claim through their node's block
// (node_blocks.hpp) and only a node's fetch of a new block comes here.
#pragma once

#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/call_tags.hpp>
#include <hmp/detail/claim_sizes.hpp>
#include <hmp/detail/node_blocks.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>

namespace hmp::detail {

/// Positions [begin, end) taken from the counter.
struct Positions {
  std::uint64_t begin = 0, end = 0;
};

class ClaimCounter {
 public:
  /// Positions a call may hand out: below 2^32 - 1 (the low half of the cell).
  static constexpr std::uint64_t kLimit = 0xffffffffULL;
  /// Calls of fewer positions may claim by adding (add_here).
  static constexpr std::uint64_t kAddLimit = std::uint64_t{1} << 30;

  /// The counter in `cells[slot]`; with `node`, ranks claim through their node's blocks.
  ClaimCounter(AtomicCells<std::uint64_t>& cells, std::size_t slot, NodeBlocks* node = nullptr)
      : cells_(&cells), slot_(slot), node_(node) {}

  /// Takes the next claim of call `seq` (sized by `sizes`) starting at the
  /// next free position, never past `limit`; nullopt when none are left.
  /// `ordered`: no rank claims a later call before this one has none left
  /// (see add_here).
  std::optional<Positions> take(std::uint64_t seq, std::uint64_t limit, bool ordered, const ClaimSizes& sizes) {
    if (node_) return node_->take(seq, limit, ordered, sizes, *this);
    return take_here(seq, limit, 0, [&](std::uint64_t pos) { return sizes.claim(limit - pos, sizes.claimers()); });
  }

  /// Whether call `seq` has nothing left below `limit` (without claiming);
  /// false may mean "not known here" in an ordered call across nodes.
  bool exhausted(std::uint64_t seq, std::uint64_t limit, bool ordered) const {
    return node_ ? node_->exhausted(seq, limit, ordered, *this) : exhausted_here(seq, limit);
  }

  /// Moves the counter to call `seq` (its first position: what the nodes
  /// were dealt) unless a claim of it did: so the nodes' first fetches of
  /// an ordered call add to it (add_here) instead of all swapping at once.
  /// Only by a rank that knows no earlier call has items left (root, when
  /// it has joined every earlier call).
  void begin(std::uint64_t seq, const ClaimSizes& sizes) {
    if (!node_ || cells_->single_node() || node_->served()) return;  // served: blocks by message
    const std::uint64_t s = seq & kLimit;
    std::uint64_t v = cells_->load(slot_);
    while (calls_ahead(v, s) < 0 && !cells_->compare_exchange(slot_, v, (s << 32) | NodeBlocks::dealt(sizes))) {
    }
  }

  /// Leaves nothing of call `seq` below `limit` to take (a task failed: the
  /// call's outcome is its error, so nobody claims more).
  /// `fits`: the call's positions stay within the 32 bits if every rank
  /// adds `limit` once, so an ordered call may exhaust by adding (see add_here).
  void exhaust(std::uint64_t seq, std::uint64_t limit, bool ordered, bool fits) {
    if (node_)
      node_->exhaust(seq, limit, ordered, ordered && fits, *this);
    else
      exhaust_here(seq, limit, ordered && fits);
  }

  /// exhaust() on this counter itself. Across nodes, while other nodes
  /// fetch blocks a compare-and-swap may fail round trip after round trip
  /// (the error reached every rank 1.8 ms later than a map's end at 1,024
  /// simulated ranks): adding `limit` puts the position past it at once.
  void exhaust_here(std::uint64_t seq, std::uint64_t limit, bool by_adding) {
    const std::uint64_t s = seq & kLimit;
    std::uint64_t v = cells_->load(slot_);
    if (by_adding && !cells_->single_node() && calls_ahead(v, s) == 0) {
      if ((v & kLimit) < limit) cells_->fetch_add(slot_, limit);
      return;
    }
    for (;;) {
      const auto ahead = calls_ahead(v, s);
      if (ahead > 0 || (ahead == 0 && (v & kLimit) >= limit)) return;
      if (cells_->compare_exchange(slot_, v, (s << 32) | limit)) return;
    }
  }

  /// take() on this counter itself (a node's fetch of a block); positions
  /// below `start` were dealt without it (a call's first move of the
  /// counter puts it there).
  template <class Want>
  std::optional<Positions> take_here(std::uint64_t seq, std::uint64_t limit, std::uint64_t start, Want&& want) {
    const std::uint64_t s = seq & kLimit;
    // In shared memory the first compare-and-swap goes on the value this rank
    // last saw: if it is stale, the swap fails, returns the value and leaves
    // the cell in this core's cache for the next try (a load first would
    // move the contended cell twice). Across nodes a stale guess costs a round trip.
    std::uint64_t v = cells_->single_node() ? guess_ : cells_->load(slot_);
    for (;;) {
      guess_ = v;
      const auto ahead = calls_ahead(v, s);
      if (ahead > 0) return std::nullopt;  // a later call owns the counter: this one is all claimed
      const std::uint64_t pos = ahead == 0 ? (v & kLimit) : start;
      if (pos >= limit) return std::nullopt;
      const std::uint64_t end = pos + std::min<std::uint64_t>(want(pos), limit - pos);
      if (cells_->compare_exchange(slot_, v, (s << 32) | end)) {
        guess_ = (s << 32) | end;
        return Positions{pos, end};
      }
    }
  }

  /// take_here() by a read and a fetch-and-add across nodes, where a
  /// compare-and-swap that many nodes try at once fails for all but one
  /// each round trip (their fetches of blocks at 4,096 simulated ranks took
  /// 9 ms on average). Only in an ordered call: the counter then holds this
  /// call or an earlier one that has nothing left, whose position an
  /// addition cannot harm. The amount is want() of the position read (want
  /// shrinks as positions grow: guided's blocks); positions past `limit`
  /// are added only by the last claims, at most one a node, far below the
  /// 32 bits' end.
  template <class Want>
  std::optional<Positions> add_here(std::uint64_t seq, std::uint64_t limit, std::uint64_t start, Want&& want) {
    const std::uint64_t s = seq & kLimit;
    if (limit >= kAddLimit || cells_->single_node()) return take_here(seq, limit, start, want);
    const std::uint64_t seen = cells_->load(slot_);
    if (calls_ahead(seen, s) != 0) return take_here(seq, limit, start, want);  // move it to this call
    const std::uint64_t at = seen & kLimit;
    if (at >= limit) return std::nullopt;
    const std::uint64_t amount = std::max<std::uint64_t>(1, std::min<std::uint64_t>(want(at), limit - at));
    const std::uint64_t v = cells_->fetch_add(slot_, amount);
    if (calls_ahead(v, s) != 0) return std::nullopt;  // cannot be: an ordered call's counter stays with it
    const std::uint64_t pos = v & kLimit;
    if (pos >= limit) return std::nullopt;
    return Positions{pos, std::min(pos + amount, limit)};
  }

  /// Root: answers the nodes' requests for blocks of ordered call `seq`
  /// (node_blocks.hpp); true if there were any.
  bool serve(std::uint64_t seq, std::uint64_t limit, const ClaimSizes& sizes) {
    return node_ && node_->served() && node_->serve(seq, call_tags(seq).claim, limit, sizes);
  }

  /// Where a wait on this counter enters MPI (wait_until.hpp); null on one node.
  MPI_Comm progress_comm() const noexcept { return cells_->progress_comm(); }

  /// exhausted() of this counter itself.
  bool exhausted_here(std::uint64_t seq, std::uint64_t limit) const {
    const std::uint64_t v = cells_->load(slot_);
    const auto ahead = calls_ahead(v, seq & kLimit);
    return limit == 0 || ahead > 0 || (ahead == 0 && (v & kLimit) >= limit);
  }

 private:
  // How many calls the cell's value `v` is ahead of call number `s` (its low
  // 32 bits): > 0 a later call owns it, 0 this call, < 0 an earlier call.
  static std::int32_t calls_ahead(std::uint64_t v, std::uint64_t s) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>((v >> 32) - s));
  }

  AtomicCells<std::uint64_t>* cells_;
  std::size_t slot_;
  NodeBlocks* node_;
  std::uint64_t guess_ = 0;  ///< the cell's value as this rank last left it
};

}  // namespace hmp::detail
