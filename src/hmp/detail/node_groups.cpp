#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/runtime.hpp>

namespace hmp::detail {

NodeGroups split_by_node(const Communicator& comm) {
  if (!comm.valid()) throw UsageError("shared object made on a null communicator: pass one this rank belongs to");
  const Runtime& rt = Runtime::current();
  NodeGroups g;
  g.group = comm.dup();
  const int rank = g.group.rank();
  // The Runtime's node index already tells real and simulated nodes apart.
  g.node = g.group.split(rt.topology().node_index, rank);
  g.leaders = g.group.split(g.node.rank() == 0 ? 0 : MPI_UNDEFINED, rank);
  int ids[2] = {0, 1};
  if (g.leaders.valid()) {
    ids[0] = g.leaders.rank();
    ids[1] = g.leaders.size();
  }
  HMP_MPI_CHECK(MPI_Bcast(ids, 2, MPI_INT, 0, g.node.native()));
  g.node_index = ids[0];
  g.nodes = ids[1];
  return g;
}

}  // namespace hmp::detail
