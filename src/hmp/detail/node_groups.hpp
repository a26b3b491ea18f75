// A communicator's ranks grouped by node (real, or simulated with
// HMP_SIMULATE_NODES): what every per-node shared object is built on.
#pragma once

#include <hmp/communicator.hpp>

#include <memory>
#include <vector>

namespace hmp::detail {

struct NodeGroups {
  Communicator group;    ///< private duplicate of the communicator given
  Communicator node;     ///< the group's ranks on this rank's node (they share memory)
  Communicator leaders;  ///< node rank 0 of each node, ordered by group rank; null elsewhere
  int nodes = 1;         ///< nodes the group spans
  int node_index = 0;    ///< this node's rank in `leaders`
};

/// Collective over `comm`. Nodes are the Runtime's (so simulated nodes count
/// as separate nodes); group rank 0 is node rank 0 of node 0.
NodeGroups split_by_node(const Communicator& comm);

/// The same, shared by every object made on `comm` while one of them lives
/// (cached on the communicator as an MPI attribute): making a group spans
/// four collectives, each a network round trip across nodes, and objects
/// such as a Value (its cells and its Lock's) are made several at a time.
/// Collective over `comm` when nothing is cached (the same on every rank,
/// as objects are made and destroyed collectively).
std::shared_ptr<const NodeGroups> shared_node_groups(const Communicator& comm);

/// The ranks in `comm` of the ranks of `node` (a communicator of this
/// rank's node split from it, such as NodeGroups::node), in node order. Local.
std::vector<int> ranks_of_node(const Communicator& comm, const Communicator& node);

/// Whether rank `rank` of `comm` is one of the ranks of `node` (a
/// communicator of this rank's node, such as NodeGroups::node). Local.
bool is_on_node(const Communicator& comm, int rank, const Communicator& node);

}  // namespace hmp::detail
