// A word nobody else holds by chance: written where a peer is told to look
// (root's memory for a test read, a worker's result slab), it tells the
// peer that it reads the memory or file it was meant to, not whatever a
// reused pid or descriptor names there now.
#pragma once

#include <cstdint>

namespace hmp::detail {

/// A new 64-bit word of this process (its pid and the time, mixed with a
/// constant of hmp's): unlike what another process's memory holds at that
/// place by chance, and unlike this process's earlier ones.
std::uint64_t fresh_token();

}  // namespace hmp::detail
