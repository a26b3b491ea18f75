// Whether a rank's OpenMP threads have cores of their own: the CPUs this
// process may run on (its binding) against the threads it will start.
#pragma once

#include <string>

namespace hmp::detail {

/// CPUs this process may run on (sched_getaffinity), 0 when unknown.
int cpus_allowed();

/// The one-line warning for `threads` threads per rank when `ranks_short` of
/// the job's ranks may run on fewer CPUs (the fewest: `fewest_cpus`); names
/// the fixes for mpirun and srun.
std::string threads_exceed_cores_warning(int threads, int fewest_cpus, int ranks_short, int ranks);

}  // namespace hmp::detail
