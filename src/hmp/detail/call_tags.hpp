// The MPI tags of a pool call, from its number: one place for their
// arithmetic (the pool's core sets them; node blocks compute the claim tag).
#pragma once

#include <cstdint>

namespace hmp::detail {

struct CallTags {
  int data = 0;    ///< workers' results to root (or to their node leader)
  int status = 0;  ///< the outcome from root (or the node leader)
  int input = 0;   ///< from_root inputs, and a worker's word that it read them
  int claim = 0;   ///< a node's request for a block and root's answer (node_blocks.hpp)
};

/// Four tags a call, cycling every kTagCycle calls: 16 + 4 x 8,000 = 32,016,
/// below MPI's minimum tag bound (32,767).
inline constexpr std::uint64_t kTagCycle = 8000;

inline CallTags call_tags(std::uint64_t seq) {
  const int base = 16 + static_cast<int>(4 * (seq % kTagCycle));
  return {base, base + 1, base + 2, base + 3};
}

}  // namespace hmp::detail
