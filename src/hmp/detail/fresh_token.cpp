#include <hmp/detail/fresh_token.hpp>

#include <unistd.h>

#include <chrono>

namespace hmp::detail {

std::uint64_t fresh_token() {
  // The golden ratio's multiplier spreads the clock's changing low bits over
  // the word; the pid (in a simulated build SMPI's id of the rank, as its
  // compiler renames getpid) keeps processes started at once apart.
  const auto t = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return (t * 0x9E3779B97F4A7C15ull) ^ (static_cast<std::uint64_t>(getpid()) << 40) ^ 0x686d702d746f6b6eull;
}

}  // namespace hmp::detail
