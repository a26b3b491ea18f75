// SharedArray / Array: one copy per node, placement, Eigen views, moves
// between nodes, atomics and memory use.
#include <gtest/gtest.h>
#include <hmp/array.hpp>
#include <hmp/runtime.hpp>
#include <hmp/shared_array.hpp>
#include <hmp/shared_memory.hpp>

#include <Eigen/Dense>
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <chrono>
#include <vector>

namespace {

hmp::Runtime& rt() { return hmp::Runtime::current(); }
const hmp::Topology& topo() { return rt().topology(); }

long sum_over(const hmp::Communicator& comm, long v) {
  long out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_LONG, MPI_SUM, comm.native());
  return out;
}

TEST(SharedArray, StartsZeroed) {
  hmp::SharedArray<double> a(rt(), 1000);
  ASSERT_EQ(a.size(), 1000u);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], 0.0) << "item " << i;
}

TEST(SharedArray, LargerThanTheNodesSharedMemoryIsUsageErrorOnEveryRank) {
  // Open MPI would make the sparse backing file and the first touch would
  // kill the rank with SIGBUS; refused before anything is allocated.
  const std::size_t too_many = hmp::SharedMemory::available_bytes() + (std::size_t{1} << 30);
  EXPECT_THROW(hmp::SharedArray<char>(rt(), too_many), hmp::UsageError);
  hmp::SharedArray<int> next(rt(), 10);  // the ranks are still in step
  EXPECT_EQ(next.size(), 10u);
}

TEST(SharedArray, StartsOnACacheLine) {
  // SIMD kernels (FFTW) take their aligned paths only on aligned data.
  for (std::size_t n : {1u, 3u, 1000u}) {
    hmp::SharedArray<double> a(rt(), n);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 64, 0u) << n;
  }
}

TEST(SharedArray, EveryRankSeesNodeWritesAfterFence) {
  const int per_node = topo().ranks_per_node;
  hmp::SharedArray<int> a(rt(), 64);
  // Each rank writes its own slot; the node leader also stamps the node.
  a[static_cast<std::size_t>(topo().local_rank)] = topo().world_rank + 1;
  if (topo().local_rank == 0) a[63] = 1000 + topo().node_index;
  a.fence();
  const int first = topo().world_rank - topo().local_rank;
  for (int r = 0; r < per_node; ++r) EXPECT_EQ(a[static_cast<std::size_t>(r)], first + r + 1) << "slot " << r;
  // One copy per node: another (simulated) node's stamp never shows here.
  EXPECT_EQ(a[63], 1000 + topo().node_index);
  EXPECT_EQ(a.nodes(), topo().nodes);
}

TEST(SharedArray, SameMemoryForAllRanksOfTheNode) {
  hmp::SharedArray<std::int64_t> a(rt(), 1);
  // Atomic increments through each rank's own mapping add up in one place.
  for (int k = 0; k < 100; ++k) a.fetch_add(0, 1);
  a.fence();
  EXPECT_EQ(a[0], 100 * topo().ranks_per_node);
}

TEST(SharedArray, NodeCommunicatorGivesOneNodeArray) {
  hmp::SharedArray<int> a(rt().node(), 8);
  EXPECT_EQ(a.nodes(), 1);
  EXPECT_EQ(a.comm().size(), topo().ranks_per_node);
  if (topo().local_rank == 0) a[0] = 7 + topo().node_index;
  a.broadcast_from_root();  // nothing to move: one node
  EXPECT_EQ(a[0], 7 + topo().node_index);
}

TEST(SharedArray, SplitPlacementCoversTheArrayInPageBlocks) {
  const std::size_t n = 3 * 4096 + 5;
  hmp::SharedArray<double> a(rt(), n, hmp::Placement::split);
  const auto mine = a.local_range();
  const std::size_t per_page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) / sizeof(double);
  EXPECT_LE(mine.end, n);
  if (!mine.empty()) {
    EXPECT_EQ(mine.begin % per_page, 0u) << "block must start on a page";
  }
  EXPECT_EQ(sum_over(rt().node(), static_cast<long>(mine.size())), static_cast<long>(n));
  for (std::size_t i = mine.begin; i < mine.end; ++i) {
    EXPECT_EQ(a[i], 0.0);
    a[i] = 0.5 * static_cast<double>(i) + 1;
  }
  a.fence();
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) wrong += a[i] != 0.5 * static_cast<double>(i) + 1;
  EXPECT_EQ(wrong, 0u) << "items not written by any rank of the node";
}

TEST(SharedArray, FirstRankPlacementOwnsEverythingOnNodeRankZero) {
  hmp::SharedArray<float> a(rt(), 100);
  const auto mine = a.local_range();
  EXPECT_EQ(mine.size(), topo().local_rank == 0 ? 100u : 0u);
}

double tensor_value(std::size_t i, std::size_t j, std::size_t s) {
  return std::sin(0.3 * static_cast<double>(i) + 1.7 * static_cast<double>(j)) + static_cast<double>(s) +
         (i == j ? 3.0 : 0.0);
}

TEST(SharedArray, TensorSlicesAreColumnMajorMatrices) {
  const std::size_t n = 5, m = 7;
  hmp::SharedArray<double> t(rt(), n * n * m);
  if (topo().local_rank == 0)
    for (std::size_t s = 0; s < m; ++s)
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < n; ++i) t[i + j * n + s * n * n] = tensor_value(i, j, s);
  t.fence();
  for (std::size_t s = 0; s < m; ++s) {
    Eigen::MatrixXd ref(n, n);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) ref(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = tensor_value(i, j, s);
    const auto view = t.matrix(n, n, s);
    EXPECT_EQ(view.rows(), static_cast<Eigen::Index>(n));
    EXPECT_TRUE(view.isApprox(ref, 0.0)) << "slice " << s;
    EXPECT_NEAR(Eigen::MatrixXd(view).determinant(), ref.determinant(), 1e-9 * std::abs(ref.determinant()) + 1e-12);
  }
  EXPECT_THROW(t.matrix(n, n, m), hmp::UsageError);
  EXPECT_THROW(t.as_matrix(n, n), hmp::UsageError);
}

TEST(SharedArray, AsMatrixIsFortranOrder) {
  hmp::SharedArray<int> a(rt(), 6);
  if (topo().local_rank == 0)
    for (int k = 0; k < 6; ++k) a[static_cast<std::size_t>(k)] = k;
  a.fence();
  const auto mat = a.as_matrix(2, 3);  // numpy: arange(6).reshape(2, 3, order='F')
  EXPECT_EQ(mat(0, 0), 0);
  EXPECT_EQ(mat(1, 0), 1);
  EXPECT_EQ(mat(0, 1), 2);
  EXPECT_EQ(mat(1, 2), 5);
  EXPECT_THROW(a.as_matrix(4, 2), hmp::UsageError);
  EXPECT_THROW(a.at(6), hmp::UsageError);
  a.fence();  // no rank may write before every rank has read
}

TEST(SharedArray, BroadcastFromRootFillsEveryNode) {
  const std::size_t n = 1000;
  hmp::SharedArray<long> a(rt(), n);
  if (topo().local_rank == 0)
    for (std::size_t i = 0; i < n; ++i)
      a[i] = rt().is_root() ? static_cast<long>(i * i) : -1;  // other nodes hold something else
  a.fence();
  if (topo().nodes > 1) {
    // Before: each node still has its own copy.
    EXPECT_EQ(a[3], topo().node_index == 0 ? 9 : -1);
  }
  rt().world().barrier();
  a.broadcast_from_root();
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) wrong += a[i] != static_cast<long>(i * i);
  EXPECT_EQ(wrong, 0u);
}

TEST(SharedArray, GatherToRootCollectsCyclicWrites) {
  const std::size_t n = 997;
  const auto P = static_cast<std::size_t>(rt().size()), me = static_cast<std::size_t>(rt().rank());
  hmp::SharedArray<double> a(rt(), n);
  std::vector<hmp::IndexRange> written;
  for (std::size_t i = me; i < n; i += P) {
    a[i] = 3.0 * static_cast<double>(i) + 0.25;
    written.push_back({i, i + 1});
  }
  a.gather_to_root(written);
  if (topo().node_index == 0) {
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < n; ++i) wrong += a[i] != 3.0 * static_cast<double>(i) + 0.25;
    EXPECT_EQ(wrong, 0u) << "root's node misses items";
  } else {
    // Other nodes keep their own copy: items of other nodes stay zero.
    std::size_t foreign = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const int writer_node = static_cast<int>(i % P) * topo().nodes / rt().size();
      if (writer_node != topo().node_index) foreign += a[i] != 0.0;
    }
    EXPECT_EQ(foreign, 0u);
  }
}

TEST(SharedArray, GatherToRootBlockPerRank) {
  const std::size_t n = 50000;
  const auto P = static_cast<std::size_t>(rt().size()), me = static_cast<std::size_t>(rt().rank());
  hmp::SharedArray<std::int32_t> a(rt(), n);
  const std::size_t b = n * me / P, e = n * (me + 1) / P;
  for (std::size_t i = b; i < e; ++i) a[i] = static_cast<std::int32_t>(i) * 7;
  a.gather_to_root(b, e);
  if (rt().is_root()) {
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < n; ++i) wrong += a[i] != static_cast<std::int32_t>(i) * 7;
    EXPECT_EQ(wrong, 0u);
  }
}

TEST(SharedArray, GatherToRootRefusesBadRangesOnEveryRank) {
  hmp::SharedArray<int> a(rt(), 10);
  // Only the last rank passes a bad range; every rank must throw.
  const bool last = rt().rank() == rt().size() - 1;
  EXPECT_THROW(a.gather_to_root(last ? std::size_t{5} : 0, last ? std::size_t{11} : 0), hmp::UsageError);
  EXPECT_THROW(a.gather_to_root(last ? std::size_t{6} : 0, last ? std::size_t{5} : 0), hmp::UsageError);
}

TEST(SharedArray, GatherToRootRefusesItemsWrittenOnTwoNodes) {
  if (topo().nodes < 2) GTEST_SKIP() << "needs several nodes (HMP_SIMULATE_NODES)";
  hmp::SharedArray<int> a(rt(), 10);
  // Every rank claims item 4: nodes overlap.
  try {
    a.gather_to_root(4, 5);
    ADD_FAILURE() << "no UsageError";
  } catch (const hmp::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("[4, 5)"), std::string::npos) << e.what();
  }
}

TEST(Array, LockedPlainIncrementsAndAtomicsLoseNothing) {
  const long M = 2000;
  hmp::Array<long> a(rt(), 3);
  hmp::RawArray<long>& raw = a.get_obj();  // Python's get_obj(): the array, no lock
  for (long k = 0; k < M; ++k) {
    raw.fetch_add(0, 1);
    {
      std::lock_guard<hmp::RLock> guard(a.get_lock());  // reentrant: a[1]'s own locking nests
      a[1] = a[1] + 1;
    }
    a[2] += 1;  // one locked read-modify-write
  }
  a.fence();
  EXPECT_EQ(raw[0], M * topo().ranks_per_node);
  EXPECT_EQ(raw[1], M * topo().ranks_per_node);
  EXPECT_EQ(static_cast<long>(a[2]), M * topo().ranks_per_node);
}

// Python's Array(lock=True): a[i] = v waits while another rank holds the lock.
TEST(Array, ElementAccessWaitsForTheLock) {
  if (topo().ranks_per_node < 2) GTEST_SKIP() << "needs two ranks on a node";
  hmp::Array<int> a(rt(), 1);
  // Root holds the lock; the next rank of root's node writes a[0].
  const bool holder = rt().is_root(), writer = topo().node_index == 0 && topo().local_rank == 1;
  if (holder) a.get_lock().acquire();
  rt().world().barrier();
  if (writer) a[0] = 7;  // must wait for root's release
  if (holder) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    a.sync();
    EXPECT_EQ(a.get_obj()[0], 0) << "a[0] was written while another rank held the lock";
    a.get_lock().release();
  }
  rt().world().barrier();
  a.fence();
  if (topo().node_index == 0) EXPECT_EQ(static_cast<int>(a[0]), 7);
  EXPECT_THROW((void)a.at(1), hmp::UsageError);
}

long pss_kib() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string key;
  long value = 0;
  std::string unit;
  while (in >> key) {
    if (key == "Pss:") {
      in >> value >> unit;
      return value;
    }
    std::getline(in, unit);
  }
  return -1;
}

TEST(SharedArray, NodeRanksShareOneCopyOfTheMemory) {
  const std::size_t bytes = std::size_t{512} << 20;
  if (pss_kib() < 0) GTEST_SKIP() << "no /proc/self/smaps_rollup";
  const long before = pss_kib();
  long after = 0;
  {
    hmp::SharedArray<unsigned char> a(rt(), bytes);  // zero-filled by node rank 0
    // Every rank maps every page (reads them), as a worker would.
    unsigned long sum = 0;
    for (std::size_t i = 0; i < bytes; i += 4096) sum += a[i];
    EXPECT_EQ(sum, 0u);
    a.fence();
    after = pss_kib();
    a.fence();
  }
  const long node_total_kib = sum_over(rt().node(), after - before);
  const long one_copy_kib = static_cast<long>(bytes >> 10);
  EXPECT_LT(node_total_kib, one_copy_kib * 5 / 4) << "ranks of a node use more than one copy";
  EXPECT_GT(node_total_kib, one_copy_kib / 2) << "the array's pages are not counted";
}

}  // namespace
