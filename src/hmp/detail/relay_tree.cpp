#include <hmp/detail/relay_tree.hpp>

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
  return tree;
}

}  // namespace hmp::detail
