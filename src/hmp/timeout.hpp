// Timeouts for blocking waits (Lock::acquire, Semaphore, Barrier, Event).
#pragma once

#include <hmp/detail/clock.hpp>
#include <hmp/errors.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace hmp {

/// Seconds, fractional allowed; std::chrono durations convert implicitly.
using Seconds = std::chrono::duration<double>;
/// No value: wait for ever (Python's timeout=None).
using Timeout = std::optional<Seconds>;

namespace detail {

/// When a wait gives up. Negative timeouts are refused, as is a timeout on a
/// non-blocking call (Python raises ValueError for both).
class Deadline {
 public:
  Deadline(const Timeout& timeout, bool blocking, const char* what) {
    if (timeout && timeout->count() < 0)
      throw UsageError(std::string(what) + ": negative timeout; use a timeout >= 0 s or none to wait for ever");
    if (timeout && !blocking)
      throw UsageError(std::string(what) + ": a timeout on a non-blocking call; pass blocking=true or no timeout");
    if (!blocking) {
      at_ = Clock::now();
    } else if (timeout) {
      at_ = Clock::now() +
            std::chrono::duration_cast<Clock::duration>(*timeout);
    }
  }
  bool expired() const { return at_ && Clock::now() >= *at_; }

 private:
  std::optional<Clock::time_point> at_;
};

}  // namespace detail
}  // namespace hmp
