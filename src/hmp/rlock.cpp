#include <hmp/detail/wait_until.hpp>
#include <hmp/rlock.hpp>

namespace hmp {

bool RLock::acquire(bool blocking, Timeout timeout) {
  const detail::Deadline deadline(timeout, blocking, "RLock::acquire");
  if (holder_.load() == std::this_thread::get_id()) {
    ++depth_;
    return true;
  }
  const std::int32_t mine = me();
  const bool got = detail::wait_until(
      [&] {
        std::int32_t expected = 0;
        return cells_.compare_exchange(0, expected, mine);
      },
      deadline);
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
  std::int32_t expected = me();
  if (!cells_.compare_exchange(0, expected, 0))
    throw Error("RLock::release: the lock word was changed by rank " + std::to_string(expected - 1) +
                " while this rank held it");
}

int RLock::depth() const { return holder_.load() == std::this_thread::get_id() ? depth_ : 0; }

}  // namespace hmp
