// Waiting for a condition set by another rank, politely (see backoff.hpp),
// until a deadline, and without stalling the ranks that wait for this one.
#pragma once

#include <hmp/detail/backoff.hpp>
#include <hmp/timeout.hpp>

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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

/// Seconds a wait for another rank may take before it gives up with a
/// message: HMP_WAIT_TIMEOUT if set (a positive number, else UsageError),
/// else 600.
double wait_timeout_from_environment();

/// The error of a wait that gave up after `seconds`: "hmp: rank <rank>
/// waited <seconds> s <what> (HMP_WAIT_TIMEOUT sets the limit)", where
/// `what` says for whom and what it waited, and what may be wrong.
TimeoutError wait_timed_out(int rank, double seconds, const std::string& what);

/// While alive, this thread's sleeps end within about a µs of their time,
/// not the kernel's default timer slack of 50 µs later, which would dwarf
/// the µs sleeps of waits across nodes (each round trip there waits out a
/// sleep on both sides). Restores the thread's slack when destroyed.
class FineTimerSlack {
 public:
  FineTimerSlack();
  ~FineTimerSlack();
  FineTimerSlack(const FineTimerSlack&) = delete;
  FineTimerSlack& operator=(const FineTimerSlack&) = delete;

 private:
  long old_ = -1;
};

/// Polls of a wait on a word before it sleeps on the word.
inline constexpr int kSpinRounds = 64;
/// Longest sleep on a word of a rank no RMA waits for: its wake comes from
/// the word's changer, the cap only bounds how late a deadline is seen.
inline constexpr std::chrono::microseconds kWordMaxSleep{1000};

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

/// Sleeps until another rank of this node changes `*word` from `seen` and
/// calls wake_word_waiters(word), or `cap` passes (Linux futex on the
/// word's low 32 bits; memory shared between processes works).
void sleep_on_word(std::int64_t* word, std::int64_t seen, std::chrono::microseconds cap);
/// Wakes one rank sleeping in sleep_on_word on `word`.
void wake_word_waiters(std::int64_t* word);

/// Polls `done` until it returns true (-> true) or the deadline passes
/// (-> false), sleeping at most kWaitMaxSleep between polls. With a
/// `progress` communicator (the wait is on cells across nodes), a rank that
/// holds such cells itself (rma_targets_here) also enters MPI every round
/// (progress_mpi) and sleeps at most kTargetMaxSleep, so the RMA the other
/// ranks aim at it moves; such a wait never yields (see kTargetMaxSleep).
/// With a `word` in this node's shared memory whose change is what `done`
/// waits for (and whose changers call wake_word_waiters), the sleeps are
/// on that word: a waiter wakes as soon as it changes.
template <class Done>
bool wait_until(Done&& done, const Deadline& deadline, MPI_Comm progress = MPI_COMM_NULL,
                std::int64_t* word = nullptr) {
  const bool across = progress != MPI_COMM_NULL;
  if (across && (rma_targets_here().load() == 0 || !may_call_mpi())) progress = MPI_COMM_NULL;
  const auto cap = progress != MPI_COMM_NULL ? kTargetMaxSleep : kWaitMaxSleep;
  Backoff backoff({}, cap, !across);
#ifdef HMP_SMPI
  word = nullptr;  // simulated ranks sleep in simulated time (backoff.hpp)
#endif
  std::optional<FineTimerSlack> fine;
  for (int round = 0;; ++round) {
    if (across && round == kSpinRounds) fine.emplace();
    const std::int64_t seen = word ? std::atomic_ref<std::int64_t>(*word).load() : 0;
    if (done()) return true;
    if (deadline.expired()) return false;
    if (progress != MPI_COMM_NULL) progress_mpi(progress);
    if (word && round >= kSpinRounds)
      sleep_on_word(word, seen, progress != MPI_COMM_NULL ? kTargetMaxSleep : kWordMaxSleep);
    else
      backoff.pause();
  }
}

}  // namespace hmp::detail
