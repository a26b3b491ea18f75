// Waiting for a condition set by another rank, politely (see backoff.hpp),
// until a deadline, and without stalling the ranks that wait for this one.
#pragma once

#include <hmp/detail/backoff.hpp>
#include <hmp/timeout.hpp>

#include <mpi.h>

#include <chrono>

namespace hmp::detail {

/// Longest sleep of a wait on ranks of this node: a waiter wakes at most
/// this long (plus the kernel's timer slack) after its event.
inline constexpr std::chrono::microseconds kWaitMaxSleep{50};

/// Whether this thread may enter MPI now (MPI_THREAD_MULTIPLE, or the
/// thread that initialized MPI under FUNNELED/SERIALIZED).
bool may_call_mpi();

/// Enters MPI once (an MPI_Iprobe on `comm` that matches nothing hmp or a
/// user sends there): passive-target RMA aimed at this rank over TCP (osc
/// pt2pt) moves only while this rank is inside MPI, so a rank that waits
/// must keep entering it for the ranks that wait on it.
void progress_mpi(MPI_Comm comm);

/// Polls `done` until it returns true (-> true) or the deadline passes
/// (-> false). With a `progress` communicator (the job spans nodes) every
/// round also enters MPI (progress_mpi) and yields instead of sleeping, so
/// the wait never stops the RMA others aim at this rank; without one it
/// sleeps at most kWaitMaxSleep between polls.
template <class Done>
bool wait_until(Done&& done, const Deadline& deadline, MPI_Comm progress = MPI_COMM_NULL) {
  if (progress != MPI_COMM_NULL && !may_call_mpi()) progress = MPI_COMM_NULL;
  Backoff backoff({}, progress != MPI_COMM_NULL ? std::chrono::microseconds(0) : kWaitMaxSleep);
  for (;;) {
    if (done()) return true;
    if (deadline.expired()) return false;
    if (progress != MPI_COMM_NULL) progress_mpi(progress);
    backoff.pause();
  }
}

}  // namespace hmp::detail
