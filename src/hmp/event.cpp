#include <hmp/detail/wait_until.hpp>
#include <hmp/event.hpp>

namespace hmp {

bool Event::wait(Timeout timeout) {
  const detail::Deadline deadline(timeout, true, "Event::wait");
  return detail::wait_until([&] { return is_set(); }, deadline, cells_.progress_comm());
}

}  // namespace hmp
