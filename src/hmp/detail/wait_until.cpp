#include <hmp/detail/environment_setting.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace hmp::detail {

std::atomic<int>& rma_targets_here() {
  static std::atomic<int> n{0};
  return n;
}

double wait_timeout_from_environment() {
  const char* env = std::getenv("HMP_WAIT_TIMEOUT");
  if (!env || !*env) return 600;
  char* end = nullptr;
  const double v = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(v > 0))
    throw bad_environment_setting("HMP_WAIT_TIMEOUT", env, "give a positive number of seconds");
  return v;
}

TimeoutError wait_timed_out(int rank, double seconds, const std::string& what) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", seconds);
  return TimeoutError("hmp: rank " + std::to_string(rank) + " waited " + secs + " s " + what +
                      " (HMP_WAIT_TIMEOUT sets the limit)");
}

namespace {

// The futex word: the low 32 bits of the 64-bit word (a futex is 32 bits).
std::uint32_t* low_half(std::int64_t* word) {
  auto* halves = reinterpret_cast<std::uint32_t*>(word);
  return std::endian::native == std::endian::little ? halves : halves + 1;
}

}  // namespace

FineTimerSlack::FineTimerSlack() {
  old_ = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  if (old_ > 0) prctl(PR_SET_TIMERSLACK, 1000L, 0, 0, 0);
}

FineTimerSlack::~FineTimerSlack() {
  if (old_ > 0) prctl(PR_SET_TIMERSLACK, old_, 0, 0, 0);
}

void sleep_on_word(std::int64_t* word, std::int64_t seen, std::chrono::microseconds cap) {
  // Not FUTEX_PRIVATE: the word is in memory the node's processes share.
  const timespec timeout{0, static_cast<long>(std::chrono::nanoseconds(cap).count())};
  const auto low = static_cast<std::uint32_t>(static_cast<std::uint64_t>(seen));
  syscall(SYS_futex, low_half(word), FUTEX_WAIT, low, &timeout, nullptr, 0);
}

void wake_word_waiters(std::int64_t* word) { syscall(SYS_futex, low_half(word), FUTEX_WAKE, 1, nullptr, nullptr, 0); }

bool may_call_mpi() {
  int level = MPI_THREAD_SINGLE, main = 0;
  MPI_Query_thread(&level);
  if (level == MPI_THREAD_MULTIPLE) return true;
  MPI_Is_thread_main(&main);
  return main != 0;
}

void progress_mpi(MPI_Comm comm) {
  // A tag no message of hmp's uses on its private communicators.
  constexpr int kNoMessageTag = 32766;
  int flag = 0;
  MPI_Iprobe(MPI_ANY_SOURCE, kNoMessageTag, comm, &flag, MPI_STATUS_IGNORE);
}

}  // namespace hmp::detail
