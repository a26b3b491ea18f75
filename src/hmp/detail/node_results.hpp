// A node's last messages of a call, through the node's shared memory (in
// calls every rank waits for, raw results, nodes without root): each rank
// writes its last message (header and results) into its slot of a window
// its node shares and counts itself in; the rank that counts last reads
// every slot and sends root the node's one message (NodeGather), so no rank
// takes its node's messages one after another (a leader took 31 at 10-12
// us each at its share's end at 4,096 simulated ranks, 0.45 ms) and no rank
// waits for the others. What does not fit a slot goes to root itself.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/range.hpp>
#include <hmp/detail/window.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hmp::detail {

/// A rank's last message of a call in its slot, in plain words (what the
/// node's last rank reads 31 times at 4,096 simulated ranks: no decoding).
struct Published {
  bool direct = false;  ///< its message went to root itself
  double busy = 0;
  std::uint32_t requests = 0;                ///< as DataHeader::requests
  std::span<const std::byte> sig;            ///< its call's signature, encoded
  std::span<const Range> ranges;             ///< its results' ranges, in order
  std::span<const std::uint64_t> parts;      ///< items of each part
  std::span<const std::byte> results;        ///< the parts' bytes, in order
  /// The bytes it takes in a slot with `result_bytes` of results.
  std::size_t bytes(std::size_t result_bytes) const noexcept;
};

class NodeResults {
 public:
  NodeResults() = default;
  /// Collective over `node` (the ranks of one node, at least 2; `comm`
  /// the pool's, which names them).
  NodeResults(const Communicator& comm, const Communicator& node);

  bool active() const noexcept { return ranks_ > 0; }
  int ranks() const noexcept { return ranks_; }
  int me() const noexcept { return me_; }
  /// The pool's rank of node rank `r`.
  int rank_of(int r) const noexcept { return peers_[static_cast<std::size_t>(r)]; }
  /// Bytes a slot holds (a message's header and its results).
  static constexpr std::size_t kSlotBytes = std::size_t{256} << 10;
  static bool fits(std::size_t bytes) noexcept { return bytes <= kSlotBytes; }

  /// Whether this rank's slot is free for its next call: the call it last
  /// wrote there was gathered (only a failed call's outcome, sent before
  /// its results were in, lets a rank reach its next call before that).
  bool writable() const noexcept;
  /// Writes this rank's last message of call `seq` into its slot (at most
  /// kSlotBytes: Published::bytes), its results from `results` (not m.results).
  void write(std::uint64_t seq, const Published& m, std::span<const std::span<const std::byte>> results);
  /// Counts this rank in for call `seq` (after write); true if it is the
  /// node's last, which then reads every slot and sends the node's message.
  bool arrive(std::uint64_t seq);
  /// Node rank `r`'s message of call `seq` (Error if its slot holds
  /// another or is malformed), pointing into the slot.
  Published slot(int r, std::uint64_t seq) const;
  /// The last rank, once it read every slot of call `seq`: they may be reused.
  void gathered(std::uint64_t seq) noexcept;

 private:
  struct Control;
  Control* control(int r) const noexcept;

  Window window_;
  int ranks_ = 0, me_ = 0;
  std::vector<int> peers_;         ///< each node rank's rank in the pool
  std::vector<std::byte*> slots_;  ///< each node rank's
  std::uint64_t written_ = 0;  ///< the call this rank last wrote
};

}  // namespace hmp::detail
