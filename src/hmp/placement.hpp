// hmp::Placement: where a shared array's pages live on a node.
#pragma once

namespace hmp {

enum class Placement {
  /// All of it on the node's first rank (first touch by node rank 0), as
  /// MPI_Win_allocate_shared with one non-empty part does.
  first_rank,
  /// Node rank r allocates and first-touches the r-th block of whole pages,
  /// so on a NUMA node each rank's (each socket's) part is near it.
  split,
};

}  // namespace hmp
