#include <hmp/lock.hpp>

namespace hmp {

bool Lock::acquire_waiting(bool blocking, Timeout timeout) {
  return lock_.acquire(detail::Deadline(timeout, blocking, "Lock::acquire"));
}

}  // namespace hmp
