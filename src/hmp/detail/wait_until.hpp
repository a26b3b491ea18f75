// Waiting for a condition set by another rank, politely (see backoff.hpp),
// until a deadline, and without stalling the ranks that wait for this one.
#pragma once

#include <hmp/detail/backoff.hpp>
#include <hmp/timeout.hpp>

#include <mpi.h>

#include <atomic>
#include <chrono>

namespace hmp::detail {

/// Longest sleep of a wait: a waiter wakes at most this long (plus the
/// kernel's timer slack) after its event.
inline constexpr std::chrono::microseconds kWaitMaxSleep{50};
/// Longest sleep between two entries into MPI of a rank others reach by RMA
/// (see wait_until). Shorter than kWaitMaxSleep, but a sleep, not a yield:
/// on a loaded machine a rank that sleeps is run as soon as it wakes, while
/// one that keeps yielding waits its turn behind every runnable process
/// (3-5x slower lock hand-overs across hosts, measured at load 17 on 2 cores).
inline constexpr std::chrono::microseconds kTargetMaxSleep{20};

/// Whether this thread may enter MPI now (MPI_THREAD_MULTIPLE, or the
/// thread that initialized MPI under FUNNELED/SERIALIZED).
bool may_call_mpi();

/// Enters MPI once (an MPI_Iprobe on `comm` that matches nothing hmp or a
/// user sends there): passive-target RMA aimed at this rank over TCP (osc
/// pt2pt) moves only while this rank is inside MPI, so a rank that waits
/// must keep entering it for the ranks that wait on it.
void progress_mpi(MPI_Comm comm);

/// How many objects of this process hold memory that ranks of other nodes
/// reach by RMA (AtomicCells on their group's rank 0): while it is above 0,
/// this rank's waits must keep entering MPI.
std::atomic<int>& rma_targets_here();

/// Polls `done` until it returns true (-> true) or the deadline passes
/// (-> false), sleeping at most kWaitMaxSleep between polls. With a
/// `progress` communicator (the wait is on cells across nodes), a rank that
/// holds such cells itself (rma_targets_here) also enters MPI every round
/// (progress_mpi) and sleeps at most kTargetMaxSleep, so the RMA the other
/// ranks aim at it moves.
template <class Done>
bool wait_until(Done&& done, const Deadline& deadline, MPI_Comm progress = MPI_COMM_NULL) {
  if (progress != MPI_COMM_NULL && (rma_targets_here().load() == 0 || !may_call_mpi())) progress = MPI_COMM_NULL;
  Backoff backoff({}, progress != MPI_COMM_NULL ? kTargetMaxSleep : kWaitMaxSleep);
  for (;;) {
    if (done()) return true;
    if (deadline.expired()) return false;
    if (progress != MPI_COMM_NULL) progress_mpi(progress);
    backoff.pause();
  }
}

}  // namespace hmp::detail
