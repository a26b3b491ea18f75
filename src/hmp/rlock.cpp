#include <hmp/rlock.hpp>

namespace hmp {

bool RLock::acquire(bool blocking, Timeout timeout) {
  const detail::Deadline deadline(timeout, blocking, "RLock::acquire");
  if (holder_.load() == std::this_thread::get_id()) {
    ++depth_;
    return true;
  }
  const bool got = lock_.acquire(deadline);
  if (got) {
    holder_.store(std::this_thread::get_id());
    depth_ = 1;
  }
  return got;
}

void RLock::release() {
  if (holder_.load() != std::this_thread::get_id())
    throw UsageError("RLock::release: this thread of this rank does not hold the lock; release only what you acquired");
  if (--depth_ > 0) return;
  holder_.store(std::thread::id{});
  lock_.release("RLock::release");
}

int RLock::depth() const { return holder_.load() == std::this_thread::get_id() ? depth_ : 0; }

}  // namespace hmp
