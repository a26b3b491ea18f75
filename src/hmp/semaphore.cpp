#include <hmp/detail/wait_until.hpp>
#include <hmp/semaphore.hpp>

#include <string>

namespace hmp {

namespace {
std::int32_t checked_value(std::int32_t v) {
  if (v < 0) throw UsageError("Semaphore: initial value " + std::to_string(v) + " is negative; use a value >= 0");
  return v;
}
}  // namespace

Semaphore::Semaphore(const Communicator& comm, std::int32_t value) : cells_(comm, 1, checked_value(value)) {}

bool Semaphore::acquire(bool blocking, Timeout timeout) {
  const detail::Deadline deadline(timeout, blocking, "Semaphore::acquire");
  return detail::wait_until(
      [&] {
        std::int32_t v = cells_.load(0);
        // Retry at once while others change a positive count; wait when 0.
        while (v > 0)
          if (cells_.compare_exchange(0, v, v - 1)) return true;
        return false;
      },
      deadline, cells_.progress_comm());
}

void Semaphore::release(std::int32_t n) {
  if (n < 1) throw UsageError("Semaphore::release: n = " + std::to_string(n) + "; release at least 1");
  cells_.fetch_add(0, n);
}

}  // namespace hmp
