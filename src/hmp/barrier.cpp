#include <hmp/barrier.hpp>
#include <hmp/detail/wait_until.hpp>

#include <string>

namespace hmp {

namespace {
int checked_parties(const Communicator& comm, int parties) {
  if (parties < 0)
    throw UsageError("Barrier: parties = " + std::to_string(parties) + "; use >= 1, or 0 for every rank");
  return parties == 0 ? comm.size() : parties;
}
}  // namespace

Barrier::Barrier(const Communicator& comm, int parties)
    : cells_(comm, 2, 0), parties_(checked_parties(comm, parties)) {}

int Barrier::wait(Timeout timeout) {
  const detail::Deadline deadline(timeout, true, "Barrier::wait");
  if (broken()) throw BrokenBarrierError("Barrier::wait: the barrier is broken (aborted or a wait timed out)");
  const std::int64_t arrival = cells_.fetch_add(0, 1);
  const std::int64_t round_end = (arrival / parties_ + 1) * parties_;
  bool was_broken = false;
  const bool passed = detail::wait_until(
      [&] {
        if (cells_.load(0) >= round_end) return true;
        was_broken = broken();
        return was_broken;
      },
      deadline, cells_.progress_comm());
  if (!passed) {
    abort();
    throw BrokenBarrierError("Barrier::wait: rank " + std::to_string(cells_.rank()) +
                             " timed out after waiting for " + std::to_string(parties_) +
                             " parties (" + std::to_string(n_waiting()) + " arrived); the barrier is now broken");
  }
  if (was_broken) throw BrokenBarrierError("Barrier::wait: the barrier was broken while waiting");
  return static_cast<int>(arrival % parties_);
}

}  // namespace hmp
