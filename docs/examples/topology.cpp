// Chapter "Shared and distributed memory": ranks are grouped by node; the
// ranks of a node can share memory, nodes cannot. HMP_SIMULATE_NODES=k splits
// one machine into k "nodes", so the distributed-memory paths run anywhere.
#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>  // results that are not trivially copyable
#include <hmp/shared_array.hpp>

#include <cstdio>
#include <ranges>

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  const hmp::Topology& t = rt.topology();

  // Where is every rank? Item r runs on rank r (static_cyclic), results on root.
  hmp::Pool pool(rt, {.threads = 1, .schedule = hmp::Schedule::static_cyclic()});
  auto where = pool.map([&](int) { return std::pair{t.node_index, t.local_rank}; }, std::views::iota(0, rt.size()));

  // One array for the job = one copy per node. Root writes its node's copy;
  // the other nodes see it only after an explicit broadcast.
  hmp::SharedArray<int> a(rt, 1);
  if (rt.is_root()) a[0] = 42;
  a.fence();  // every rank of each node sees its node's stores
  const int before = a[0];
  a.broadcast_from_root();
  const int after = a[0];
  auto seen = pool.map([&](int) { return std::pair{before, after}; }, std::views::iota(0, rt.size()));

  if (rt.is_root()) {
    std::printf("%d ranks on %d node(s)%s\n", rt.size(), t.nodes, t.simulated ? " (simulated)" : "");
    for (int r = 0; r < rt.size(); ++r)
      std::printf("rank %d: node %d, local rank %d, a[0] = %2d before broadcast, %d after\n", r,
                  where[r].first, where[r].second, seen[r].first, seen[r].second);
  }
}
