// Polling without hogging a core: spin briefly, then yield, then sleep in
// growing steps up to 1 ms, so oversubscribed ranks still let others run.
#pragma once

#include <sched.h>

#include <chrono>
#include <thread>

namespace hmp::detail {

class Backoff {
 public:
  void pause() {
    ++rounds_;
    if (rounds_ < 64) return;
    if (rounds_ < 256) {
      sched_yield();
      return;
    }
    std::this_thread::sleep_for(sleep_);
    if (sleep_ < std::chrono::microseconds(1000)) sleep_ *= 2;
  }
  void reset() {
    rounds_ = 0;
    sleep_ = std::chrono::microseconds(10);
  }

 private:
  int rounds_ = 0;
  std::chrono::microseconds sleep_{10};
};

}  // namespace hmp::detail
