#include <hmp/communicator.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/mpi_finalized.hpp>
#include <hmp/detail/wait_until.hpp>

namespace hmp {

Communicator Communicator::dup() const {
  MPI_Comm out = MPI_COMM_NULL;
#ifdef HMP_SMPI
  // SMPI's MPI_Comm_dup costs 25 ms of simulated time at 1,024 ranks, a
  // split of one color 0.1 ms: the same group in the same order, with the
  // error handler a dup would inherit.
  HMP_MPI_CHECK(MPI_Comm_split(comm_, 0, rank(), &out));
  MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
  HMP_MPI_CHECK(MPI_Comm_get_errhandler(comm_, &handler));
  HMP_MPI_CHECK(MPI_Comm_set_errhandler(out, handler));
  MPI_Errhandler_free(&handler);
#else
  HMP_MPI_CHECK(MPI_Comm_dup(comm_, &out));
#endif
  return Communicator(out, true);
}

Communicator Communicator::split(int color, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  HMP_MPI_CHECK(MPI_Comm_split(comm_, color, key, &out));
  return Communicator(out, out != MPI_COMM_NULL);
}

int Communicator::rank() const {
  int r = -1;
  HMP_MPI_CHECK(MPI_Comm_rank(comm_, &r));
  return r;
}

int Communicator::size() const {
  int s = 0;
  HMP_MPI_CHECK(MPI_Comm_size(comm_, &s));
  return s;
}

void Communicator::barrier() const {
#ifdef HMP_SMPI
  HMP_MPI_CHECK(MPI_Barrier(comm_));  // simulated ranks: a poll loop only adds simulated events
#else
  // Polled with short sleeps, not MPI_Barrier: MPI_Barrier spins, and on a
  // machine with more ranks than cores the ranks that arrived first take the
  // cores the late ones need; polling also keeps answering the RMA other
  // nodes aim at this rank (detail/wait_until.hpp). No time limit, as in
  // MPI_Barrier: ranks may compute for any time before they arrive.
  MPI_Request request = MPI_REQUEST_NULL;
  HMP_MPI_CHECK(MPI_Ibarrier(comm_, &request));
  detail::wait_until(
      [&] {
        int done = 0;
        HMP_MPI_CHECK(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
        return done != 0;
      },
      detail::Deadline(std::nullopt, true, "Communicator::barrier"), comm_);
#endif
}

void Communicator::reset() noexcept {
  if (owned_ && comm_ != MPI_COMM_NULL && !detail::mpi_finalized()) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
  owned_ = false;
}

}  // namespace hmp
