// Before allocating: what an app's sizes need against the memory its nodes
// have, so that sizes beyond memory end in exit 2 and one line, not in
// std::bad_alloc, MPI_Abort or the OOM killer.
#pragma once

#include <hmp/runtime.hpp>

#include <common/cli.hpp>

#include <cstdint>
#include <string>

namespace hmp::apps {

/// Bytes an app's run holds at its peak, by where they live.
struct MemoryNeed {
  double per_rank = 0;    ///< on every rank (e.g. inputs replicated on each)
  double root_extra = 0;  ///< on root besides (outputs, --check's reference)
  double per_node = 0;    ///< once per node, real or simulated (SharedArray)
};

/// Bytes this host can still give: MemAvailable, capped by the cgroup's
/// memory limit (Slurm's --mem) when there is one.
std::uint64_t available_memory();

/// Collective over the world. Adds up `need` for the ranks of each host
/// (simulated nodes on one host share its memory) and throws InputError on
/// every rank when a host would need more than available_memory(), e.g.
/// "--items 60000000000: needs about 960.0 GB of memory on the host of rank
/// 0 (2 ranks there), which has 22.9 GB available; ...". The sizes are named
/// from `opt` (--input, or --items and --size).
void check_memory(const Runtime& rt, const Options& opt, const MemoryNeed& need);

}  // namespace hmp::apps
