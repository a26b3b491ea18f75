// Waiting for a condition set by another rank, politely (see backoff.hpp),
// until a deadline.
#pragma once

#include <hmp/detail/backoff.hpp>
#include <hmp/timeout.hpp>

namespace hmp::detail {

/// Polls `done` with backoff until it returns true (-> true) or the deadline
/// passes (-> false).
template <class Done>
bool wait_until(Done&& done, const Deadline& deadline) {
  Backoff backoff;
  for (;;) {
    if (done()) return true;
    if (deadline.expired()) return false;
    backoff.pause();
  }
}

}  // namespace hmp::detail
