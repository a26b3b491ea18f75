// What the job looks like: nodes, ranks per node, sockets, threads per rank.
#pragma once

#include <string>

namespace hmp {

/// The layout this rank sees. Filled collectively by hmp::Runtime.
struct Topology {
  int world_rank = 0;
  int world_size = 1;
  int nodes = 1;            ///< nodes (or simulated nodes) in the job
  int node_index = 0;       ///< this rank's node, 0..nodes-1, in world-rank order
  int ranks_per_node = 1;   ///< ranks on this rank's node
  int local_rank = 0;       ///< rank within the node
  int sockets_per_node = 1; ///< physical packages of this host (sysfs), 1 if unknown
  int cores_per_node = 1;   ///< cores the job may use on this host (Slurm's count, else online CPUs)
  int threads_per_rank = 1; ///< OpenMP threads per rank (OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK, else 1)
  bool simulated = false;   ///< nodes come from HMP_SIMULATE_NODES
  std::string host;         ///< this rank's host name
};

namespace detail {
/// OpenMP threads per rank from the environment: OMP_NUM_THREADS (first
/// entry of a nested list), else SLURM_CPUS_PER_TASK, else 1. Throws
/// UsageError naming the variable when a value is not a positive integer.
int threads_from_environment();
/// Parses HMP_SIMULATE_NODES against the world size: 0 when unset, else k in
/// 1..world_size; anything else throws UsageError saying what is allowed.
int simulated_nodes_from_environment(int world_size);
/// Distinct physical packages listed under /sys (1 when unreadable).
int count_sockets();
/// Cores this job may use on the host: SLURM_CPUS_ON_NODE, else online CPUs.
int count_cores();
}  // namespace detail

}  // namespace hmp
