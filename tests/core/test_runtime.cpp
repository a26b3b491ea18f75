#include <gtest/gtest.h>
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>

#include <cstdlib>
#include <mpi.h>
#include <omp.h>
#include <set>
#include <string>
#include <vector>

namespace {

int expected_nodes() {
#ifdef HMP_SMPI
  // Simulated hosts: the distinct processor names SMPI gives the ranks.
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0, size = 0;
  MPI_Get_processor_name(name, &length);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<char> all(static_cast<std::size_t>(size) * MPI_MAX_PROCESSOR_NAME);
  MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
  std::set<std::string> hosts;
  for (int r = 0; r < size; ++r) hosts.insert(&all[static_cast<std::size_t>(r) * MPI_MAX_PROCESSOR_NAME]);
  return static_cast<int>(hosts.size());
#endif
  const char* sim = std::getenv("HMP_SIMULATE_NODES");
  return sim ? std::atoi(sim) : 1;  // the tests run on one machine
}

TEST(Runtime, WorldMatchesMpi) {
  auto& rt = hmp::Runtime::current();
  int rank = -1, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(rt.rank(), rank);
  EXPECT_EQ(rt.size(), size);
  EXPECT_EQ(rt.world().size(), size);
  EXPECT_GE(rt.thread_level_provided(), hmp::RuntimeOptions{}.required);
}

TEST(Runtime, TopologyMatchesBlocks) {
  auto& rt = hmp::Runtime::current();
  const auto& t = rt.topology();
  const int k = expected_nodes();
  EXPECT_EQ(t.nodes, k);
  EXPECT_EQ(t.simulated, std::getenv("HMP_SIMULATE_NODES") != nullptr);
  // Contiguous blocks: node of rank r is floor(r * k / size).
  const int node = t.world_rank * k / t.world_size;
  int first = -1, count = 0;
  for (int r = 0; r < t.world_size; ++r)
    if (r * k / t.world_size == node) {
      if (first < 0) first = r;
      ++count;
    }
  EXPECT_EQ(t.node_index, node);
  EXPECT_EQ(t.ranks_per_node, count);
  EXPECT_EQ(t.local_rank, t.world_rank - first);
  EXPECT_EQ(rt.node().size(), count);
  EXPECT_EQ(rt.leaders().valid(), t.local_rank == 0);
  if (rt.leaders().valid()) {
    EXPECT_EQ(rt.leaders().size(), k);
  }
  EXPECT_GE(t.sockets_per_node, 1);
  EXPECT_GE(t.cores_per_node, 1);
}

TEST(Runtime, NodeRanksAddUpToWorld) {
  auto& rt = hmp::Runtime::current();
  int one = rt.topology().local_rank == 0 ? rt.topology().ranks_per_node : 0, total = 0;
  MPI_Allreduce(&one, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total, rt.size());
}

TEST(Runtime, ThreadsFollowOmpNumThreads) {
  auto& rt = hmp::Runtime::current();
  const char* omp = std::getenv("OMP_NUM_THREADS");
  const int expected = omp ? std::atoi(omp) : 1;
  EXPECT_EQ(rt.topology().threads_per_rank, expected);
  EXPECT_EQ(omp_get_max_threads(), expected);
}

// Environment parsing, checked on every rank with the variables changed
// locally and restored.
class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v, had_ = true;
  }
  ~EnvGuard() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }
  void set(const char* v) { setenv(name_, v, 1); }
  void unset() { unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(Environment, ThreadsFallBackToSlurmThenOne) {
  EnvGuard omp("OMP_NUM_THREADS"), slurm("SLURM_CPUS_PER_TASK");
  omp.unset();
  slurm.unset();
  EXPECT_EQ(hmp::detail::threads_from_environment(), 1);
  slurm.set("3");
  EXPECT_EQ(hmp::detail::threads_from_environment(), 3);
  omp.set("4,2");
  EXPECT_EQ(hmp::detail::threads_from_environment(), 4);
  for (const char* bad : {"0", "-2", "two", "3x", ""}) {
    omp.set(bad);
    if (*bad) {
      EXPECT_THROW(hmp::detail::threads_from_environment(), hmp::UsageError) << bad;
    }
  }
}

TEST(Environment, SimulatedNodesAreValidated) {
  EnvGuard sim("HMP_SIMULATE_NODES");
  sim.unset();
  EXPECT_EQ(hmp::detail::simulated_nodes_from_environment(4), 0);
  sim.set("2");
  EXPECT_EQ(hmp::detail::simulated_nodes_from_environment(4), 2);
  for (const char* bad : {"0", "-1", "5", "abc", "2.5"}) {
    sim.set(bad);
    try {
      hmp::detail::simulated_nodes_from_environment(4);
      ADD_FAILURE() << "no error for HMP_SIMULATE_NODES=" << bad;
    } catch (const hmp::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("HMP_SIMULATE_NODES"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("from 1 to"), std::string::npos);
    }
  }
}

}  // namespace
