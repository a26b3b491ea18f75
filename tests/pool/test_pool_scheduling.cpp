// Schedules deal items as documented, chunk sizes of every kind give the
// right answer, dynamic scheduling balances, and OpenMP teams are used.
#include <gtest/gtest.h>
#include <hmp/pool.hpp>

#include "pool_fixture.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <thread>
#include <vector>

#include <mpi.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

using hmp_test::pool;

using hmp_test::iota;

// Which rank ran each item, on every rank.
std::vector<int> owners(std::size_t n, hmp::Schedule s) {
  hmp::MapOptions o;
  o.schedule = s;
  o.everywhere = true;
  const int me = pool().rank();
  return pool().map([me](std::size_t) { return me; }, std::views::iota(std::size_t{0}, n), o);
}

TEST(Schedule, StaticCyclicIsTheTutorialSplit) {
  const std::size_t n = 23;
  const auto who = owners(n, hmp::Schedule::static_cyclic());
  ASSERT_EQ(who.size(), n);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(who[i], static_cast<int>(i % static_cast<std::size_t>(pool().size()))) << i;
}

TEST(Schedule, StaticCyclicWithChunks) {
  const std::size_t n = 23, c = 3;
  const auto who = owners(n, hmp::Schedule::static_cyclic(c));
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_EQ(who[i], static_cast<int>((i / c) % static_cast<std::size_t>(pool().size()))) << i;
}

TEST(Schedule, StaticBlockIsArraySplit) {
  const std::size_t n = 23, P = static_cast<std::size_t>(pool().size());
  const auto who = owners(n, hmp::Schedule::static_block());
  std::size_t at = 0;
  for (std::size_t r = 0; r < P; ++r) {
    const std::size_t len = n / P + (r < n % P ? 1 : 0);
    for (std::size_t k = 0; k < len; ++k, ++at) EXPECT_EQ(who[at], static_cast<int>(r)) << at;
  }
}

TEST(Schedule, EveryScheduleAndChunksizeGivesTheAnswer) {
  const auto in = iota(157);
  auto f = [](int x) { return 3 * x + 1; };
  std::vector<int> expected;
  for (int x : in) expected.push_back(f(x));
  for (auto s : {hmp::Schedule::dynamic(), hmp::Schedule::dynamic(1), hmp::Schedule::dynamic(1000),
                 hmp::Schedule::guided(), hmp::Schedule::guided(7), hmp::Schedule::static_cyclic(),
                 hmp::Schedule::static_cyclic(10), hmp::Schedule::static_block()}) {
    hmp::MapOptions o;
    o.schedule = s;
    const auto got = pool().map(f, in, o);
    std::vector<int> unordered;
    for (int v : pool().imap_unordered(f, in, s.chunksize ? s.chunksize : 1)) unordered.push_back(v);
    if (pool().is_root()) {
      EXPECT_EQ(got, expected) << hmp::to_string(s.kind) << " chunksize " << s.chunksize;
      std::sort(unordered.begin(), unordered.end());
      EXPECT_EQ(unordered, expected);
    }
  }
}

TEST(Schedule, DefaultChunksizeIsPythons) {
  EXPECT_EQ(hmp::default_chunksize(100, 2), 13u);  // divmod(100, 8) = (12, 4) -> 13
  EXPECT_EQ(hmp::default_chunksize(16, 2), 2u);
  EXPECT_EQ(hmp::default_chunksize(1, 4), 1u);
  EXPECT_EQ(hmp::default_chunksize(0, 4), 1u);
}

TEST(Schedule, DynamicBalancesUnevenTasks) {
  const int P = pool().size();
  if (P < 2) GTEST_SKIP() << "needs 2 ranks";
  // Item 0 is slow: the rank that runs it must run fewer items than a fair share.
  const std::size_t n = 24 * static_cast<std::size_t>(P);
  hmp::MapOptions o;
  o.schedule = hmp::Schedule::dynamic(1);
  o.everywhere = true;
  const int me = pool().rank();
  const auto who = pool().map(
      [me](std::size_t i) {
        std::this_thread::sleep_for(i == 0 ? 400ms : 2ms);
        return me;
      },
      std::views::iota(std::size_t{0}, n), o);
  std::map<int, int> count;
  for (int r : who) ++count[r];
  EXPECT_LT(count[who[0]], static_cast<int>(n) / P) << "the rank with the slow item ran a full share";
  int most = 0;
  for (auto& [r, c] : count) most = std::max(most, c);
  EXPECT_GT(most, static_cast<int>(n) / P);
}

TEST(Schedule, OpenMpTeamsRunItemsAtOnce) {
  const int T = pool().threads();
  const char* omp = std::getenv("OMP_NUM_THREADS");
  EXPECT_EQ(T, omp ? std::atoi(omp) : 1);
  hmp::MapOptions o;
  o.schedule = hmp::Schedule::dynamic(1);
  o.everywhere = true;
  const auto tids = pool().map(
      [](std::size_t) {
        std::this_thread::sleep_for(3ms);
        return omp_get_thread_num();
      },
      std::views::iota(std::size_t{0}, std::size_t{16} * static_cast<std::size_t>(pool().size())), o);
  const std::set<int> distinct(tids.begin(), tids.end());
  EXPECT_EQ(static_cast<int>(distinct.size()), T);
}

TEST(Imap, KeepsInputOrderWithASlowFirstItem) {
  const auto in = iota(20);
  std::vector<int> got;
  for (int v : pool().imap(
           [](int x) {
             if (x == 0) std::this_thread::sleep_for(200ms);
             return x;
           },
           in))
    got.push_back(v);
  if (pool().is_root()) EXPECT_EQ(got, in);
}

// Item 0, where a worker computes it, ends only once root has yielded some
// other result (a marker file root makes in the working folder, which all
// hosts see), so the order is fixed by the protocol, not by how fast items
// run; root never waits on itself. Each result says who computed it.
TEST(Imap, UnorderedYieldsOthersBeforeASlowFirstItem) {
  const int P = pool().size();
  const auto in = iota(8 * P);
  std::array<char, 64> name{};
  if (pool().is_root())
    std::snprintf(name.data(), name.size(), "imap-unordered-marker-%ld-%lld", static_cast<long>(getpid()),
                  static_cast<long long>(std::chrono::steady_clock::now().time_since_epoch().count()));
  MPI_Bcast(name.data(), static_cast<int>(name.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
  const std::filesystem::path marker = std::filesystem::absolute(name.data());
  auto results = pool().imap_unordered(
      [marker](int x) {
        const int me = hmp::Runtime::current().rank();
        if (x == 0 && me != 0)
          for (int waited = 0; waited < 60'000 && !std::filesystem::exists(marker); waited += 5)
            std::this_thread::sleep_for(5ms);
        return std::array<int, 2>{x, me};  // the item, who computed it
      },
      in, 1);
  // Root has its own work first, in MPI so that the workers' claims progress
  // (over TCP they progress only when root enters MPI); meanwhile the workers
  // take item 0, most runs. Where root takes it, order is not asserted.
  if (pool().is_root()) {
    const auto until = std::chrono::steady_clock::now() + 200ms;
    int flag = 0;
    while (std::chrono::steady_clock::now() < until)
      MPI_Iprobe(MPI_ANY_SOURCE, 32000, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
  }
  std::vector<int> order;
  int item0_by = -1;
  for (auto it = results.begin(); it != results.end(); ++it) {
    EXPECT_EQ((*it)[0], static_cast<int>(it.index()));
    if (order.empty()) std::ofstream(marker).put('1');
    order.push_back((*it)[0]);
    if ((*it)[0] == 0) item0_by = (*it)[1];
  }
  if (pool().is_root()) {
    std::filesystem::remove(marker);
    ASSERT_EQ(order.size(), in.size());
    if (item0_by != 0) EXPECT_NE(order.front(), 0) << "the slow item was yielded first";
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, in);
  }
}

TEST(Imap, RootComputesWhileNothingArrived) {
  // With one rank root does everything itself; with several it still gets a share.
  const auto in = iota(64);
  const int me = pool().rank();
  std::vector<int> who;
  for (int r : pool().imap([me](int) { return me; }, in)) who.push_back(r);
  if (pool().is_root() && pool().size() == 1) EXPECT_EQ(std::count(who.begin(), who.end(), 0), 64);
  if (pool().is_root()) EXPECT_EQ(who.size(), in.size());
}

}  // namespace

namespace {

// Dynamic and guided maps large enough that, across (simulated or real)
// nodes, ranks claim through their node's blocks many times over: results
// right and in input order, for map, imap and imap_unordered.
TEST(Schedule, DynamicAndGuidedAcrossNodesGiveEveryResultInOrder) {
  const auto in = iota(3000);
  auto f = [](int x) { return static_cast<long>(x) * x - 7; };
  std::vector<long> expected;
  for (int x : in) expected.push_back(f(x));
  for (auto s : {hmp::Schedule::dynamic(1), hmp::Schedule::dynamic(), hmp::Schedule::guided(), hmp::Schedule::guided(3)}) {
    hmp::MapOptions o;
    o.schedule = s;
    const auto got = pool().map(f, in, o);
    std::vector<long> ordered, unordered;
    const std::size_t chunk = std::max<std::size_t>(s.chunksize, 250);  // imap sends every chunk
    for (long v : pool().imap(f, in, chunk)) ordered.push_back(v);
    for (long v : pool().imap_unordered(f, in, chunk)) unordered.push_back(v);
    if (!pool().is_root()) continue;
    EXPECT_EQ(got, expected) << hmp::to_string(s.kind) << " chunksize " << s.chunksize;
    EXPECT_EQ(ordered, expected) << hmp::to_string(s.kind);
    std::sort(unordered.begin(), unordered.end());
    EXPECT_EQ(unordered, expected) << hmp::to_string(s.kind);
  }
}

// Each item runs exactly once, whatever the order in which a node's blocks
// come (node_blocks.hpp: a node asks root for its next block ahead, and a
// rank that finds the block used up while the asker is still inside a slow
// task asks itself, the parked answer becoming the block after): every rank
// counts the items it ran, the counts summed over the ranks must be 1 for
// every item, and the results must be the sequential ones.
TEST(Schedule, BlocksAskedAheadRunEachItemOnce) {
  const std::size_t n = 1500;
  auto g = [](std::size_t i) { return static_cast<long>(i) * 3 - 11; };
  std::vector<long> expected;
  for (std::size_t i = 0; i < n; ++i) expected.push_back(g(i));
  std::vector<int> ran(n);
  for (auto s : {hmp::Schedule::dynamic(1), hmp::Schedule::dynamic(), hmp::Schedule::guided(), hmp::Schedule::guided(2)}) {
    std::fill(ran.begin(), ran.end(), 0);
    hmp::MapOptions o;
    o.schedule = s;
    const auto got = pool().map(
        [&](std::size_t i) {
          // Every 23rd item is slow: its rank is still inside it when the others use up the node's block.
          std::this_thread::sleep_for(i % 23 == 5 ? 2ms : 50us);
          std::atomic_ref<int>(ran[i]).fetch_add(1);
          return g(i);
        },
        std::views::iota(std::size_t{0}, n), o);
    std::vector<int> all(n);
    ASSERT_EQ(MPI_Allreduce(ran.data(), all.data(), static_cast<int>(n), MPI_INT, MPI_SUM, MPI_COMM_WORLD), MPI_SUCCESS);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(all[i], 1) << hmp::to_string(s.kind) << " chunksize " << s.chunksize << " item " << i;
    if (pool().is_root()) EXPECT_EQ(got, expected) << hmp::to_string(s.kind) << " chunksize " << s.chunksize;
  }
}

// Raw results in chunks of many KB: workers on root's node hand them over
// through their result slab (result_slab.hpp), the others send them.
TEST(Schedule, LargeRawResultsLandInPlace) {
  const std::size_t n = 300000;
  for (auto s : {hmp::Schedule::dynamic(), hmp::Schedule::guided(), hmp::Schedule::static_block()}) {
    hmp::MapOptions o;
    o.schedule = s;
    const auto got = pool().map([](std::size_t i) { return 3.0 * static_cast<double>(i) + 0.5; },
                                std::views::iota(std::size_t{0}, n), o);
    if (!pool().is_root()) continue;
    ASSERT_EQ(got.size(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], 3.0 * static_cast<double>(i) + 0.5) << hmp::to_string(s.kind) << " item " << i;
  }
}

}  // namespace
