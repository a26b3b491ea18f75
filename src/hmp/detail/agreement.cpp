#include <hmp/detail/agreement.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/errors.hpp>

#include <climits>
#include <cstdint>

namespace hmp::detail {

void broadcast_string(const Communicator& comm, std::string& text, int root) {
  std::uint64_t len = text.size();
  HMP_MPI_CHECK(MPI_Bcast(&len, 1, MPI_UINT64_T, root, comm.native()));
  if (len > static_cast<std::uint64_t>(INT_MAX)) throw UsageError("hmp: a text over 2 GiB cannot be broadcast");
  text.resize(static_cast<std::size_t>(len));
  HMP_MPI_CHECK(MPI_Bcast(text.data(), static_cast<int>(len), MPI_CHAR, root, comm.native()));
}

std::optional<RankFailure> first_failure(const Communicator& comm, const std::string& error) {
  // MINLOC over (failed ? 0 : 1, rank): the lowest failing rank wins.
  struct {
    int ok;
    int rank;
  } mine{error.empty() ? 1 : 0, comm.rank()}, first{1, 0};
  HMP_MPI_CHECK(MPI_Allreduce(&mine, &first, 1, MPI_2INT, MPI_MINLOC, comm.native()));
  if (first.ok) return std::nullopt;
  RankFailure f{first.rank, error};
  broadcast_string(comm, f.message, first.rank);
  return f;
}

}  // namespace hmp::detail
