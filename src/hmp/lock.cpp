#include <hmp/detail/wait_until.hpp>
#include <hmp/lock.hpp>

namespace hmp {

bool Lock::acquire(bool blocking, Timeout timeout) {
  const detail::Deadline deadline(timeout, blocking, "Lock::acquire");
  const std::int32_t mine = me();
  return detail::wait_until(
      [&] {
        std::int32_t expected = 0;
        return cells_.compare_exchange(0, expected, mine);
      },
      deadline);
}

void Lock::release() {
  std::int32_t expected = me();
  if (!cells_.compare_exchange(0, expected, 0))
    throw UsageError(expected == 0 ? "Lock::release: the lock is not held; release only after acquire"
                                   : "Lock::release: the lock is held by rank " + std::to_string(expected - 1) +
                                         ", not by this rank " + std::to_string(me() - 1));
}

}  // namespace hmp
