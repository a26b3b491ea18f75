#include <common/timing.hpp>

#include <mpi.h>

#include <algorithm>

namespace hmp::apps {

double wall_seconds() { return MPI_Wtime(); }

double Timing::min() const { return seconds.empty() ? 0.0 : *std::min_element(seconds.begin(), seconds.end()); }

double Timing::median() const {
  if (seconds.empty()) return 0.0;
  auto s = seconds;
  std::sort(s.begin(), s.end());
  const auto n = s.size();
  return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

Timing time_repeats(const Communicator& comm, int warmup, int repeat, const std::function<void(Busy&)>& body) {
  for (int w = 0; w < warmup; ++w) {
    comm.barrier();
    Busy ignored;
    body(ignored);
  }
  std::vector<double> local(static_cast<std::size_t>(repeat));
  double busy_sum = 0;
  for (int r = 0; r < repeat; ++r) {
    comm.barrier();
    Busy busy;
    const double t0 = wall_seconds();
    body(busy);
    local[static_cast<std::size_t>(r)] = wall_seconds() - t0;
    busy_sum += busy.seconds();
  }
  Timing t;
  t.seconds.resize(local.size());
  // One reduction after the loop, so the repeats themselves hold no extra sync.
  MPI_Allreduce(local.data(), t.seconds.data(), repeat, MPI_DOUBLE, MPI_MAX, comm.native());
  const double busy_mean = repeat > 0 ? busy_sum / repeat : 0.0;
  t.busy_seconds.resize(static_cast<std::size_t>(comm.size()));
  MPI_Allgather(&busy_mean, 1, MPI_DOUBLE, t.busy_seconds.data(), 1, MPI_DOUBLE, comm.native());
  return t;
}

}  // namespace hmp::apps
