#include <hmp/detail/wait_until.hpp>

namespace hmp::detail {

std::atomic<int>& rma_targets_here() {
  static std::atomic<int> n{0};
  return n;
}

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
