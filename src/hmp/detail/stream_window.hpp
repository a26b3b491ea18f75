// The one collective step of a streamed imap (hmp::from_root over an input
// range): root tells every rank how many items the next window holds.
#pragma once

#include <hmp/communicator.hpp>

#include <cstdint>
#include <string>

namespace hmp::detail {

/// Window counts with a meaning of their own: the stream ended (root read
/// everything, or its consumer stopped early), or root's input threw.
inline constexpr std::uint64_t kStreamEnd = 0;
inline constexpr std::uint64_t kStreamFailed = ~std::uint64_t{0};

/// Root's `count` on every rank of `comm` (collective). A rank that waits
/// more than `timeout_s` throws TimeoutError naming `what` (the call site).
std::uint64_t share_window_count(const Communicator& comm, int root, std::uint64_t count, double timeout_s,
                                 const std::string& what);

}  // namespace hmp::detail
