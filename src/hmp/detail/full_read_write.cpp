#include <hmp/detail/full_read_write.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace hmp::detail {

namespace {

// One call moves at most this much (Linux moves at most 2^31 - 4096 bytes a call).
constexpr std::size_t kMaxPerCall = std::size_t(1) << 30;

}  // namespace

std::size_t read_full(int fd, void* buf, std::size_t n) {
  auto* p = static_cast<char*>(buf);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, p + got, std::min(n - got, kMaxPerCall));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

bool write_full(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, std::min(n, kMaxPerCall));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    if (w == 0) {  // nothing moved and no error: the device takes no more
      errno = ENOSPC;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace hmp::detail
