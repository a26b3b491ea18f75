#include <hmp/detail/backoff.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/rma_atomic.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>
#include <hmp/timeout.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace hmp::detail {

namespace {

// Polls without a pause first: an answer from a target that is inside MPI
// takes one network round trip (tens of µs over loopback TCP).
constexpr int kSpinPolls = 32;

// Sleep between later polls: short, as the target answers within µs once
// it is in MPI (the thread's timer slack is made fine meanwhile). No
// yields: a rank that sleeps is run as soon as it wakes (wait_until.hpp).
constexpr std::chrono::microseconds kPollSleep{10};

[[noreturn]] void timed_out(MPI_Win win, int target, double limit) {
  MPI_Group group = MPI_GROUP_NULL;
  int me = -1;
  MPI_Win_get_group(win, &group);
  MPI_Group_rank(group, &me);
  MPI_Group_free(&group);
  throw wait_timed_out(me, limit,
                       "for rank " + std::to_string(target) +
                           " (on another node) to answer an MPI atomic on the cells it holds (of a Value, Lock, "
                           "Semaphore, Barrier, Event or a pool's counter); that rank answers only while it is "
                           "inside MPI: does it compute that long, or is it gone?");
}

}  // namespace

void rma_fetch_and_op(const void* in, void* out, MPI_Datatype type, std::size_t size, int target, MPI_Aint disp,
                      MPI_Op op, MPI_Win win) {
  // MPI owns the buffers until the request completes; a wait that gives up
  // leaves it pending, so they are this thread's, not the caller's stack.
  thread_local std::uint64_t origin = 0, result = 0;
  if (in) std::memcpy(&origin, in, size);
  MPI_Request request = MPI_REQUEST_NULL;
  HMP_MPI_CHECK(MPI_Rget_accumulate(&origin, 1, type, &result, 1, type, target, disp, 1, type, op, win, &request));
  static const double limit = wait_timeout_from_environment();
  // On the simulated clock in a simulated build (clock.hpp), as are the
  // Backoff's sleeps: a wait there costs simulated time, not the host's.
  const Deadline deadline(Seconds(limit), true, "rma_fetch_and_op");
  // Its first sleep after kSpinPolls polls, once the timer slack is fine:
  // one sleep on the kernel's default slack costs 50 µs more.
  Backoff backoff({}, kPollSleep, false, kSpinPolls + 1);
  std::optional<FineTimerSlack> fine;
  for (int polls = 0;; ++polls) {
    int done = 0;
    HMP_MPI_CHECK(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
    if (done) break;
    if (polls == kSpinPolls) fine.emplace();
    if (polls >= kSpinPolls && deadline.expired()) timed_out(win, target, limit);
    backoff.pause();
  }
  std::memcpy(out, &result, size);
}

void rma_compare_and_swap(const void* desired, const void* expected, void* out, MPI_Datatype type, std::size_t size,
                          int target, MPI_Aint disp, MPI_Win win) {
  // This thread's, as in rma_fetch_and_op: a wait that gives up leaves the
  // swap pending.
  thread_local std::uint64_t origin = 0, compare = 0, result = 0, after = 0;
  std::memcpy(&origin, desired, size);
  std::memcpy(&compare, expected, size);
  HMP_MPI_CHECK(MPI_Compare_and_swap(&origin, &compare, &result, type, target, disp, win));
  rma_fetch_and_op(nullptr, &after, type, size, target, disp, MPI_NO_OP, win);
  HMP_MPI_CHECK(MPI_Win_flush(target, win));
  std::memcpy(out, &result, size);
}

}  // namespace hmp::detail
