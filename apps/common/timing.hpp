// The timed region of every app and method: warmup runs, then repeats, each
// started after a barrier; a repeat's wall time is the slowest rank's, and
// each rank also reports the seconds it spent in tasks ("busy").
#pragma once

#include <hmp/communicator.hpp>

#include <functional>
#include <vector>

namespace hmp::apps {

/// Seconds this rank spends computing inside one repeat. A method wraps its
/// task work in measure(); time outside (waiting, communication) is not busy.
class Busy {
 public:
  template <class F>
  decltype(auto) measure(F&& f);
  void add(double seconds) noexcept { seconds_ += seconds; }
  double seconds() const noexcept { return seconds_; }

 private:
  double seconds_ = 0;
};

struct Timing {
  std::vector<double> seconds;       ///< wall seconds of each timed repeat, max over ranks
  std::vector<double> busy_seconds;  ///< per rank: busy seconds, mean over the timed repeats
  double min() const;
  double median() const;
};

/// Runs body `warmup` times untimed, then `repeat` times timed (collective
/// over comm; every rank calls it with the same counts). Before each run: a
/// barrier. Every rank gets the whole Timing.
Timing time_repeats(const Communicator& comm, int warmup, int repeat, const std::function<void(Busy&)>& body);

/// MPI_Wtime.
double wall_seconds();

template <class F>
decltype(auto) Busy::measure(F&& f) {
  struct Add {
    Busy& b;
    double t0;
    ~Add() { b.add(wall_seconds() - t0); }
  } add{*this, wall_seconds()};
  return std::forward<F>(f)();
}

}  // namespace hmp::apps
