// The clock hmp's waits, timeouts and timings read: the OS's steady clock,
// or in a simulated build (SimGrid's SMPI) the simulated one, so that a
// timeout or a measured time is one of the simulated platform.
#pragma once

#include <chrono>

#ifdef HMP_SMPI
#include <mpi.h>
#endif

namespace hmp::detail {

#ifdef HMP_SMPI
struct SimulatedClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<SimulatedClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    return time_point(std::chrono::duration_cast<duration>(std::chrono::duration<double>(MPI_Wtime())));
  }
};
using Clock = SimulatedClock;
#else
using Clock = std::chrono::steady_clock;
#endif

/// Seconds from `t` to now, on Clock.
inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace hmp::detail
