// Polling without hogging a core: spin briefly, then yield, then sleep in
// growing steps up to a cap (1 ms unless told), so oversubscribed ranks
// still let others run.
#pragma once

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <thread>

#ifdef HMP_SMPI
#include <mpi.h>  // SMPI's: smpi_usleep
#endif

namespace hmp::detail {

class Backoff {
 public:
  Backoff() = default;
  /// Also spins (no yield, no sleep) for `spin` after the first rounds:
  /// for waits that are usually short, where a yield or a sleep costs more
  /// than the wait (on a loaded machine the core may come back ms later).
  /// `max_sleep` caps each sleep: a waiter wakes at most that late after its
  /// event (see wait_until.hpp).
  /// `yields` false skips the yields between the spin and the sleeps.
  /// `spin_rounds` is how many rounds return at once before anything else.
  explicit Backoff(std::chrono::microseconds spin, std::chrono::microseconds max_sleep = kMaxSleep,
                   bool yields = true, int spin_rounds = kSpinRounds)
      : sleep_(std::min(kFirstSleep, max_sleep)),
        spin_(spin),
        max_sleep_(max_sleep),
        spin_rounds_(spin_rounds),
        yields_(yields) {}

  void pause() {
#ifdef HMP_SMPI
    // Simulated ranks are threads of one simulator: an OS sleep or a spin
    // stops the simulation's clock, not the rank. Sleep in simulated time
    // instead, growing as the OS version does, so that a long wait costs a
    // few simulated events, not one per poll.
    smpi_usleep(static_cast<useconds_t>(std::max<long>(sleep_.count(), 1)));
    sleep_ = std::min(sleep_ * 2, max_sleep_);
    return;
#endif
    ++rounds_;
    if (rounds_ < spin_rounds_) return;
    if (spin_.count() > 0 && !spun_) {
      const auto now = std::chrono::steady_clock::now();
      if (!spinning_) {
        spinning_ = true;
        spin_until_ = now + spin_;
      }
      if (now < spin_until_) {
        --rounds_;  // stay here until the spin time is over
        return;
      }
      spun_ = true;
    }
    if (rounds_ < 256 && yields_) {
      sched_yield();
      return;
    }
    std::this_thread::sleep_for(sleep_);
    if (sleep_ < max_sleep_) sleep_ = std::min(sleep_ * 2, max_sleep_);
  }
  void reset() {
    rounds_ = 0;
    sleep_ = std::min(kFirstSleep, max_sleep_);
    spinning_ = spun_ = false;
  }

 private:
#ifdef HMP_SMPI
  static constexpr std::chrono::microseconds kFirstSleep{1}, kMaxSleep{64};
#else
  static constexpr std::chrono::microseconds kFirstSleep{10}, kMaxSleep{1000};
#endif
  static constexpr int kSpinRounds = 64;
  int rounds_ = 0;
  std::chrono::microseconds sleep_ = kFirstSleep;
  std::chrono::microseconds spin_{0};
  std::chrono::microseconds max_sleep_ = kMaxSleep;
  int spin_rounds_ = kSpinRounds;
  std::chrono::steady_clock::time_point spin_until_{};
  bool spinning_ = false, spun_ = false;
  bool yields_ = true;
};

}  // namespace hmp::detail
