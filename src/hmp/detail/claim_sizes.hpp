// How much a claimed schedule (dynamic, guided) hands out at a time: one
// claim of a rank, one block of a node, a rank's share dealt at a call's
// start. The arithmetic is the schedule's (call_schedule.cpp, one place per
// kind); the pool's counter (claim_counter.hpp) and the nodes' blocks
// (node_blocks.hpp) only apply it.
#pragma once

#include <cstdint>

namespace hmp::detail {

class ClaimSizes {
 public:
  /// Positions one claim takes when `left` positions are left for `ways`
  /// claiming ranks: the call's left and all claimers at the pool's
  /// counter; a node's block's left and the node's claimers in a block.
  virtual std::uint64_t claim(std::uint64_t left, std::uint64_t ways) const = 0;
  /// Positions of a node's next block when the call has `left` positions
  /// not yet handed out, for `node` of the claimers.
  virtual std::uint64_t block(std::uint64_t left, std::uint64_t node) const = 0;
  /// Positions dealt to each claimer at the call's start as part of its
  /// node's first block (no message); 0 when none are.
  virtual std::uint64_t dealt_per_rank() const = 0;
  /// The ranks that claim: every rank of the call, root not when it only
  /// serves the nodes' blocks (node_blocks.hpp).
  virtual std::uint64_t claimers() const = 0;
  /// Whether root is one of the claimers.
  virtual bool root_claims() const = 0;

 protected:
  ~ClaimSizes() = default;
};

}  // namespace hmp::detail
