// Reading or writing a whole buffer through a file descriptor: read(2) and
// write(2) may move fewer bytes than asked, or be interrupted by a signal
// (EINTR) before moving any; these go on until all is moved.
#pragma once

#include <cstddef>

namespace hmp::detail {

/// Reads up to `n` bytes into `buf`; returns how many it got: fewer than
/// `n` only at end of file or on an error (errno says which).
std::size_t read_full(int fd, void* buf, std::size_t n);

/// Writes the `n` bytes at `data`; false on an error, with errno set.
bool write_full(int fd, const void* data, std::size_t n);

}  // namespace hmp::detail
