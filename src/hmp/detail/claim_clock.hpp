// Timing a rank's claims without reading the clock around each one: a
// clock read costs 25-65 ns on a VM, more than a no-op task, and at
// chunksize 1 two of them per claim were most of the pool's cost. A run of
// claims reads the clock once every `stride` claims, the stride adapted so a
// read comes about every kClockEvery of claiming.
#pragma once

#include <hmp/detail/clock.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace hmp::detail {

class ClaimClock {
 public:
  /// A run of claims starts now.
  void begin() {
    last_ = Clock::now();
    count_ = 0;
  }
  /// After each claim of the run: true when the clock was read (then
  /// `last()` is now); adds the time since the previous read to `busy`.
  bool after_claim(double& busy) {
    if (++count_ < stride_) return false;
    read(busy);
    return true;
  }
  /// The run ends: adds the claims since the last read to `busy`.
  void end(double& busy) {
    if (count_) read(busy);
  }
  /// When the clock was last read.
  Clock::time_point last() const noexcept { return last_; }

 private:
  static constexpr auto kClockEvery = std::chrono::microseconds(2);
  static constexpr std::uint32_t kMaxStride = 1024;

  void read(double& busy) {
    const auto now = Clock::now();
    const auto took = now - last_;
    busy += std::chrono::duration<double>(took).count();
    // Claims shorter than kClockEvery / 2: read less often; longer: more.
    if (took < kClockEvery / 2)
      stride_ = std::min(stride_ * 2, kMaxStride);
    else if (took > 2 * kClockEvery)
      stride_ = std::max<std::uint32_t>(stride_ / 2, 1);
    last_ = now;
    count_ = 0;
  }

  Clock::time_point last_{};
  std::uint32_t count_ = 0, stride_ = 1;
};

}  // namespace hmp::detail
