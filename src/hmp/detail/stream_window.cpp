#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/stream_window.hpp>
#include <hmp/detail/wait_until.hpp>

namespace hmp::detail {

std::uint64_t share_window_count(const Communicator& comm, int root, std::uint64_t count, double timeout_s,
                                 const std::string& what) {
  MPI_Request request = MPI_REQUEST_NULL;
  HMP_MPI_CHECK(MPI_Ibcast(&count, 1, MPI_UINT64_T, root, comm.native(), &request));
  // Nonblocking, so that a rank whose root stopped consuming can give up
  // with a message instead of hanging in MPI_Bcast.
  const Deadline deadline(Seconds(timeout_s), true, "hmp::Pool::imap");
  const bool done = wait_until(
      [&] {
        int flag = 0;
        HMP_MPI_CHECK(MPI_Test(&request, &flag, MPI_STATUS_IGNORE));
        return flag != 0;
      },
      deadline);
  if (!done)
    throw wait_timed_out(comm.rank(), timeout_s,
                         "in " + what + " for root (rank " + std::to_string(root) +
                             ") to read the next items; does root iterate the result to its end, or destroy it?");
  return count;
}

}  // namespace hmp::detail
