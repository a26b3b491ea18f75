#include <hmp/detail/relay_tree.hpp>

#include <hmp/detail/mpi_check.hpp>

#include <algorithm>

namespace hmp::detail {

RelayTree make_relay_tree(const Communicator& comm, const NodeGroups& groups, int root) {
  RelayTree tree;
  if (root < 0 || root >= comm.size()) return tree;  // the pool throws UsageError
  const int rank = comm.rank();
  const std::vector<int> peers = ranks_of_node(comm, groups.node);
  const bool root_here = std::find(peers.begin(), peers.end(), root) != peers.end();
  if (rank != root) tree.parent = root_here || groups.node.rank() == 0 ? root : peers.front();
  if (!root_here && groups.node.rank() == 0) tree.children.assign(peers.begin() + 1, peers.end());
  tree.told = tree.children;
  // Root tells the other nodes' leaders: they learn each other's ranks.
  std::vector<int> leaders(static_cast<std::size_t>(groups.nodes), -1);
  if (groups.leaders.valid())
    HMP_MPI_CHECK(MPI_Allgather(&rank, 1, MPI_INT, leaders.data(), 1, MPI_INT, groups.leaders.native()));
  if (rank == root) {
    // The other nodes' leaders first: their ranks hear it only through them.
    for (const int l : leaders)
      if (l >= 0 && std::find(peers.begin(), peers.end(), l) == peers.end()) tree.told.push_back(l);
    for (const int p : peers)
      if (p != root) tree.told.push_back(p);
  }
  return tree;
}

}  // namespace hmp::detail
