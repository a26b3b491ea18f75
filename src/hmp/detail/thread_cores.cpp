#include <hmp/detail/thread_cores.hpp>

#include <sched.h>

namespace hmp::detail {

int cpus_allowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

std::string threads_exceed_cores_warning(int threads, int fewest_cpus, int ranks_short, int ranks) {
  const std::string t = std::to_string(threads);
  const std::string who = ranks_short == ranks ? (ranks == 1 ? "the rank" : "every rank")
                                               : std::to_string(ranks_short) + " of " + std::to_string(ranks) + " ranks";
  return "hmp: warning: " + t + " OpenMP threads per rank, but " + who + " may run on only " +
         std::to_string(fewest_cpus) + (fewest_cpus == 1 ? " core" : " cores") +
         " (its CPU binding), so threads share cores and add no speed; give each rank " + t +
         " cores: mpirun --map-by slot:PE=" + t + " (or --bind-to none), srun --cpus-per-task=" + t;
}

}  // namespace hmp::detail
