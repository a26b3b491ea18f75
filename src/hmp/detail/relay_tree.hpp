// The paths of a pool call's results and outcome when every rank waits for
// the call (map, starmap, apply): a rank of root's node and each node's
// leader (node rank 0) talk to root; the other ranks of a node send their
// results to their leader, which sends root one message for the node, and
// hear the outcome from it. Root then takes one message a node, not one a
// rank, and sends the outcome to its node's ranks and the other nodes'
// leaders only, each leader to its node's other ranks: who tells whom is
// fixed, so root can send the outcome of a failed call before the results
// are in (pool_core.hpp, "tails").
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/node_groups.hpp>

#include <vector>

namespace hmp::detail {

struct RelayTree {
  int parent = -1;            ///< root, or this rank's node leader; -1 on root
  std::vector<int> children;  ///< a node leader (not of root's node): the node's other ranks
  /// Whom this rank passes the outcome to: root, the other nodes' leaders
  /// and then its node's ranks; a leader of a node without root, its children.
  std::vector<int> told;
  bool relays() const noexcept { return !children.empty(); }
};

/// Collective over the node leaders of `groups` (split from `comm`).
RelayTree make_relay_tree(const Communicator& comm, const NodeGroups& groups, int root);

}  // namespace hmp::detail
