// The named shared-memory segments this process created and has not
// unlinked, so that an exit of any kind removes them (Python's
// resource_tracker does the same for multiprocessing.shared_memory).
#pragma once

#include <string>
#include <vector>

namespace hmp::detail {

/// Records a segment this process created (its POSIX name, "/name").
void register_segment(const std::string& posix_name);
/// Forgets a segment once it is unlinked.
void forget_segment(const std::string& posix_name);
/// Unlinks a segment and its owner record, and forgets it: 0, or the errno
/// of shm_unlink.
int unlink_segment(const std::string& posix_name) noexcept;
/// The segments still registered.
std::vector<std::string> registered_segments();
/// Unlinks every registered segment and its owner record. Async-signal-safe: a fixed table, no
/// allocation, no lock; used from signal handlers and std::terminate.
void unlink_registered_segments() noexcept;

}  // namespace hmp::detail
