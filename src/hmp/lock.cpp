#include <hmp/lock.hpp>

namespace hmp {

bool Lock::acquire(bool blocking, Timeout timeout) {
  return lock_.acquire(detail::Deadline(timeout, blocking, "Lock::acquire"));
}

void Lock::release() { lock_.release("Lock::release"); }

}  // namespace hmp
