#include "../support/env_guard.hpp"

#include <gtest/gtest.h>
#include <hmp/detail/open_mpi_settings.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>

#include <algorithm>
#include <cstdlib>
#include <mpi.h>
#include <omp.h>
#include <string>
#include <utility>
#include <vector>

namespace {

// The layout expected from what MPI says, not from the code under test:
// ranks on one host (MPI_Get_processor_name) share a node; with
// HMP_SIMULATE_NODES=k a host's ranks split further into the contiguous
// blocks floor(r * k / size). Nodes are numbered by their lowest world rank.
struct ExpectedLayout {
  int nodes = 0, node_index = -1, local_rank = -1, ranks_per_node = 0;
};

ExpectedLayout expected_layout(int rank, int size) {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(name, &length);
  std::vector<char> all(static_cast<std::size_t>(size) * MPI_MAX_PROCESSOR_NAME);
  MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME,
                MPI_CHAR, MPI_COMM_WORLD);
  const char* sim = std::getenv("HMP_SIMULATE_NODES");
  const int k = sim ? std::atoi(sim) : 1;
  auto node_of = [&](int r) {
    return std::pair(std::string(&all[static_cast<std::size_t>(r) * MPI_MAX_PROCESSOR_NAME]),
                     r * k / size);
  };
  std::vector<std::pair<std::string, int>> first_seen;
  ExpectedLayout e;
  for (int r = 0; r < size; ++r) {
    if (std::find(first_seen.begin(), first_seen.end(), node_of(r)) == first_seen.end())
      first_seen.push_back(node_of(r));
    if (node_of(r) != node_of(rank)) continue;
    if (r == rank) e.local_rank = e.ranks_per_node;
    ++e.ranks_per_node;
  }
  e.nodes = static_cast<int>(first_seen.size());
  e.node_index = static_cast<int>(std::find(first_seen.begin(), first_seen.end(), node_of(rank)) -
                                  first_seen.begin());
  return e;
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

TEST(Runtime, TopologyMatchesHostsAndBlocks) {
  auto& rt = hmp::Runtime::current();
  const auto& t = rt.topology();
  const ExpectedLayout e = expected_layout(t.world_rank, t.world_size);
  EXPECT_EQ(t.nodes, e.nodes);
  EXPECT_EQ(t.simulated, std::getenv("HMP_SIMULATE_NODES") != nullptr);
  EXPECT_EQ(t.node_index, e.node_index);
  EXPECT_EQ(t.ranks_per_node, e.ranks_per_node);
  EXPECT_EQ(t.local_rank, e.local_rank);
  EXPECT_EQ(rt.node().size(), e.ranks_per_node);
  EXPECT_EQ(rt.leaders().valid(), t.local_rank == 0);
  if (rt.leaders().valid()) {
    EXPECT_EQ(rt.leaders().size(), e.nodes);
  }
  EXPECT_GE(t.sockets_per_node, 1);
  EXPECT_GE(t.cores_per_node, 1);
}

// The host a rank reports is the one MPI places it on.
TEST(Runtime, HostIsMpisProcessorName) {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(name, &length);
  EXPECT_EQ(hmp::Runtime::current().topology().host, std::string(name, static_cast<std::size_t>(length)));
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
// locally and restored (EnvGuard).

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

// What a call's UsageError says; empty when it throws none.
template <class Call>
std::string usage_error_of(Call call) {
  try {
    call();
  } catch (const hmp::UsageError& e) {
    return e.what();
  }
  return "";
}

// A bad setting is named with its value and what is allowed instead.
TEST(Environment, BadSettingSaysWhatIsAllowed) {
  EnvGuard wait("HMP_WAIT_TIMEOUT"), omp("OMP_NUM_THREADS");
  wait.set("-3");
  EXPECT_EQ(usage_error_of(hmp::detail::wait_timeout_from_environment),
            "HMP_WAIT_TIMEOUT='-3' is not allowed: give a positive number of seconds");
  omp.set("two");
  EXPECT_EQ(usage_error_of(hmp::detail::threads_from_environment),
            "OMP_NUM_THREADS='two' is not allowed: give a whole number of threads from 1 to 4096");
}

// Open MPI's exclude lists lose only the component hmp needs back.
TEST(Environment, OscExclusionDropsOnlyPt2pt) {
  using hmp::detail::without_excluded;
  EXPECT_EQ(without_excluded("^ucx,pt2pt", "pt2pt"), "^ucx");
  EXPECT_EQ(without_excluded("^pt2pt,ucx", "pt2pt"), "^ucx");
  EXPECT_EQ(without_excluded("^pt2pt", "pt2pt"), "");
  EXPECT_EQ(without_excluded("^ucx", "pt2pt"), "^ucx");
  EXPECT_EQ(without_excluded("rdma,sm", "pt2pt"), "rdma,sm");
  EXPECT_EQ(without_excluded("", "pt2pt"), "");
}

}  // namespace
