#include <hmp/detail/gather_strings.hpp>
#include <hmp/detail/mpi_check.hpp>

#include <limits>

namespace hmp::detail {

std::vector<std::string> gather_strings(const Communicator& comm, const std::string& mine, int root) {
  if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw UsageError("gather_strings: a string over 2 GiB cannot be gathered");
  const int size = comm.size();
  const bool is_root = comm.rank() == root;
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(is_root ? size : 0), offsets(is_root ? size : 0);
  HMP_MPI_CHECK(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, root, comm.native()));
  std::string all;
  if (is_root) {
    long total = 0;
    for (int r = 0; r < size; ++r) {
      offsets[r] = static_cast<int>(total);
      total += lens[r];
    }
    if (total > std::numeric_limits<int>::max())
      throw UsageError("gather_strings: more than 2 GiB in all cannot be gathered");
    all.resize(static_cast<std::size_t>(total));
  }
  HMP_MPI_CHECK(MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(),
                            MPI_CHAR, root, comm.native()));
  std::vector<std::string> out;
  if (is_root)
    for (int r = 0; r < size; ++r) out.emplace_back(all, offsets[r], lens[r]);
  return out;
}

}  // namespace hmp::detail
