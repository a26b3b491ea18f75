// A node's slots (detail/node_results.hpp): on a node without root, the
// one rank that counts itself in last reads every rank's message of the
// call, slots are reused only once read, and nothing past a slot is taken.
// Result slabs (detail/result_slab.hpp): exactly the workers on root's node
// get one, root reads what a worker handed over and nothing before, a
// worker reuses its slab only after root gave it back, a batch that never
// comes ends root's wait with a message; and maps whose raw
// results go through slabs (alone, mixed with messages when a share does not
// fit, several calls in flight, after a failed call) give the sequential
// results.
#include "pool_fixture.hpp"

#include <gtest/gtest.h>
#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/node_results.hpp>
#include <hmp/detail/result_slab.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>
#include <hmp/serialize.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using hmp::detail::Range;
using hmp::detail::ResultSlabs;

// Simulated ranks (SimGrid) share one process's memory: smaller maps there.
#ifdef HMP_SMPI
constexpr std::size_t kScale = 100;
#else
constexpr std::size_t kScale = 1;
#endif

struct Slabs {
  hmp::detail::NodeGroups groups = hmp::detail::split_by_node(hmp::Runtime::current().world());
  ResultSlabs slabs{groups.group, groups, 0, hmp::detail::wait_timeout_from_environment()};
  // Whether this rank shares root's node (group rank 0 is node rank 0 of node 0).
  bool with_root() const { return groups.node_index == 0; }
};

Slabs& slabs() {
  static Slabs s;
  return s;
}

// Every rank of a node without rank 0 writes call `seq`'s message (its
// fields and bytes made from its rank and the call) and counts itself in;
// returns how many ranks found themselves last (at most one a node), which
// checked every slot.
int publish_and_read(hmp::detail::NodeResults& node, std::uint64_t seq) {
  using hmp::detail::Published;
  auto& rt = hmp::Runtime::current();
  auto byte = [seq](int rank, std::size_t at) { return std::byte(static_cast<unsigned>(rank * 31 + seq * 7 + at)); };
  auto bytes = [&](int rank, std::size_t n, std::size_t from) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = byte(rank, from + i);
    return v;
  };
  auto ranges_of = [seq](int rank) {
    const auto r = static_cast<std::uint64_t>(rank);
    return std::vector<Range>{{r * 100, r * 100 + seq}, {r * 1000, r * 1000 + 2}};
  };
  const int me = rt.rank();
  const auto sig = bytes(me, 5 + static_cast<std::size_t>(me), 0);
  const auto ranges = ranges_of(me);
  const std::vector<std::uint64_t> parts{seq, 2};
  const auto results = bytes(me, 1000 * seq, 100);
  Published m;
  m.busy = 0.5 * me;
  m.requests = static_cast<std::uint32_t>(me + seq);
  m.sig = sig;
  m.ranges = ranges;
  m.parts = parts;
  m.direct = me % 3 == 2;
  EXPECT_TRUE(node.writable()) << "rank " << me;
  const std::span<const std::byte> pieces[] = {std::span(results).first(10), std::span(results).subspan(10)};
  node.write(seq, m, pieces);
  if (!node.arrive(seq)) return 0;
  for (int r = 0; r < node.ranks(); ++r) {
    const Published got = node.slot(r, seq);
    const int rank = node.rank_of(r);
    const std::string who = "slot of rank " + std::to_string(rank) + ", call " + std::to_string(seq);
    EXPECT_EQ(got.busy, 0.5 * rank) << who;
    EXPECT_EQ(got.requests, static_cast<std::uint32_t>(rank + seq)) << who;
    EXPECT_EQ(got.direct, rank % 3 == 2) << who;
    const auto want_sig = bytes(rank, 5 + static_cast<std::size_t>(rank), 0);
    EXPECT_TRUE(std::ranges::equal(got.sig, want_sig)) << who;
    const auto want_ranges = ranges_of(rank);
    EXPECT_EQ(got.ranges.size(), want_ranges.size()) << who;
    for (std::size_t i = 0; i < std::min(got.ranges.size(), want_ranges.size()); ++i) {
      EXPECT_EQ(got.ranges[i].begin, want_ranges[i].begin) << who;
      EXPECT_EQ(got.ranges[i].end, want_ranges[i].end) << who;
    }
    EXPECT_TRUE(std::ranges::equal(got.parts, parts)) << who;
    EXPECT_TRUE(std::ranges::equal(got.results, bytes(rank, 1000 * seq, 100))) << who;
  }
  EXPECT_THROW(node.slot(0, seq + 1), hmp::Error);
  node.gathered(seq);
  return 1;
}

TEST(NodeResults, TheLastRankOfEachNodeReadsEverySlotCallAfterCall) {
  auto& rt = hmp::Runtime::current();
  const auto groups = hmp::detail::split_by_node(rt.world());
  const bool slots = groups.nodes > 1 && groups.node_index != 0 && groups.node.size() > 1;
  std::optional<hmp::detail::NodeResults> node;
  if (slots) node.emplace(rt.world(), groups.node);
  int nodes_with_slots = slots && groups.node.rank() == 0 ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &nodes_with_slots, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    int last = slots ? publish_and_read(*node, seq) : 0;
    MPI_Allreduce(MPI_IN_PLACE, &last, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(last, nodes_with_slots) << "call " << seq;
    // Every rank waits for the others here, so the slots were read: free.
    MPI_Barrier(MPI_COMM_WORLD);
  }
  if (slots) {
    std::vector<std::byte> big(hmp::detail::NodeResults::kSlotBytes);
    const std::span<const std::byte> parts[] = {big};
    EXPECT_THROW(node->write(4, hmp::detail::Published{}, parts), hmp::Error);
    EXPECT_FALSE(hmp::detail::NodeResults::fits(hmp::detail::Published{}.bytes(big.size())));
  }
}

TEST(ResultSlab, ExactlyTheWorkersOnRootsNodeHaveOne) {
  auto& rt = hmp::Runtime::current();
  auto& s = slabs();
  int mine = s.slabs.mine() ? 1 : 0;
  int expected = 0;
#ifndef HMP_SMPI  // simulated ranks are threads of one process: no slabs
  expected = !rt.is_root() && s.with_root() ? 1 : 0;
#endif
  EXPECT_EQ(mine, expected) << "rank " << rt.rank();
  std::vector<int> had(static_cast<std::size_t>(rt.size()));
  MPI_Gather(&mine, 1, MPI_INT, had.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!rt.is_root()) return;
  EXPECT_EQ(s.slabs.of(0), nullptr);
  for (int r = 1; r < rt.size(); ++r)
    EXPECT_EQ(s.slabs.of(r) != nullptr, had[static_cast<std::size_t>(r)] == 1) << "rank " << r;
}

// A worker writes kItems ints (value i * 3 + r) into its slab and seals;
// root checks them and gives the slab back; before that the worker's slab
// has no room.
TEST(ResultSlab, RootReadsTheSealedBatchAndGivesTheSlabBack) {
  auto& rt = hmp::Runtime::current();
  auto& s = slabs();
  constexpr std::size_t kItems = 100000;
  std::uint64_t number = 0;
  if (auto* slab = s.slabs.mine()) {
    auto* p = reinterpret_cast<int*>(slab->take(kItems * sizeof(int)));
    ASSERT_NE(p, nullptr);
    for (std::size_t i = 0; i < kItems; ++i) p[i] = static_cast<int>(i * 3) + rt.rank();
    number = slab->seal();
    EXPECT_EQ(slab->take(sizeof(int)), nullptr) << "room while root holds the batch";
  }
  std::vector<std::uint64_t> numbers(static_cast<std::size_t>(rt.size()));
  MPI_Gather(&number, 1, MPI_UINT64_T, numbers.data(), 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (rt.is_root()) {
    for (int r = 1; r < rt.size(); ++r) {
      auto* reader = s.slabs.of(r);
      if (!reader) continue;
      const auto n = numbers[static_cast<std::size_t>(r)];
      ASSERT_GT(n, 0u);
      EXPECT_THROW(reader->batch(n, reader->mapping().capacity() + 1), hmp::Error);
      const auto bytes = reader->batch(n, kItems * sizeof(int));
      std::vector<int> got(kItems);
      std::memcpy(got.data(), bytes.data(), bytes.size());
      for (std::size_t i = 0; i < kItems; ++i) ASSERT_EQ(got[i], static_cast<int>(i * 3) + r) << "rank " << r;
      reader->release(n);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (auto* slab = s.slabs.mine()) {
    EXPECT_NE(slab->take(sizeof(int)), nullptr) << "no room after root gave the slab back";
    slab->discard();
  }
}

// Root asks for a batch no worker ever hands over (of fresh slabs, with a
// short wait timeout): it gives up with a TimeoutError naming itself, the
// worker and the batch.
TEST(ResultSlab, AWaitForABatchThatNeverCameTimesOutNamingWhoWaitedForWhat) {
  auto& rt = hmp::Runtime::current();
  auto& s = slabs();
  const ResultSlabs fresh{s.groups.group, s.groups, 0, 0.2};
  if (!rt.is_root()) return;
  for (int r = 1; r < rt.size(); ++r) {
    auto* reader = fresh.of(r);
    if (!reader) continue;
    try {
      reader->batch(1, 0);
      ADD_FAILURE() << "batch #1 of rank " << r << " was taken, but none was sealed";
    } catch (const hmp::TimeoutError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("rank 0 waited 0.2 s for batch #1 of rank " + std::to_string(r) + "'s results"),
                std::string::npos)
          << what;
    }
  }
}

template <class R, class F>
std::vector<R> sequential(std::size_t n, F f) {
  std::vector<R> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = f(static_cast<long>(i));
  return out;
}

struct Pair {
  int a;
  double b;
  bool operator==(const Pair&) const = default;
};

template <class R, class F>
void expect_map(std::size_t n, F f, const char* what) {
  auto& pool = hmp_test::pool();
  std::vector<long> in(n);
  std::iota(in.begin(), in.end(), 0L);
  const auto got = pool.map(f, in);
  if (pool.is_root()) {
    const auto want = sequential<R>(n, f);
    ASSERT_EQ(got.size(), want.size()) << what;
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], want[i]) << what << ", item " << i;
  }
}

TEST(ResultSlab, MapsOfRawResultsGiveTheSequentialResults) {
  expect_map<int>(1000000 / kScale, [](long x) { return static_cast<int>(x * 7 - 3); }, "int");
  expect_map<double>(300001 / kScale, [](long x) { return static_cast<double>(x) * 0.5; }, "double");
  expect_map<Pair>(200003 / kScale, [](long x) { return Pair{static_cast<int>(x), static_cast<double>(x) / 3}; },
                   "struct");
  expect_map<bool>(100007 / kScale, [](long x) { return x % 3 == 0; }, "bool");
  expect_map<std::string>(20011 / kScale, [](long x) { return std::to_string(x); }, "string (serialized, by message)");
  for (long seed = 1; seed <= 3; ++seed)
    expect_map<long>(100000 / kScale + static_cast<std::size_t>(seed), [seed](long x) { return x * seed; },
                     "long, again");
}

// 10^7 longs: at 2 ranks a worker's share (40 MB) is more than its slab
// holds, so part of it goes by message.
TEST(ResultSlab, ASharePastTheSlabGoesPartlyByMessage) {
  expect_map<long>(10000000 / kScale, [](long x) { return x ^ 0x5a5a; }, "long, 10^7");
}

TEST(ResultSlab, CallsInFlightTogetherGiveTheirOwnResults) {
  auto& pool = hmp_test::pool();
  std::vector<long> in(400000 / kScale);
  std::iota(in.begin(), in.end(), 0L);
  auto a = pool.map_async([](long x) { return x + 1; }, in);
  auto b = pool.map_async([](long x) { return x * 2; }, in);
  auto c = pool.map_async([](long x) { return x - 5; }, in);
  const auto& rc = c.get();
  const auto& ra = a.get();
  const auto& rb = b.get();
  if (!pool.is_root()) return;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto x = static_cast<long>(i);
    ASSERT_EQ(ra[i], x + 1) << i;
    ASSERT_EQ(rb[i], x * 2) << i;
    ASSERT_EQ(rc[i], x - 5) << i;
  }
}

TEST(ResultSlab, AFailedCallLeavesNothingBehindForTheNext) {
  auto& pool = hmp_test::pool();
  std::vector<long> in(500000 / kScale);
  std::iota(in.begin(), in.end(), 0L);
  const long bad = static_cast<long>(in.size()) * 4 / 5;
  EXPECT_THROW(pool.map(
                   [bad](long x) {
                     if (x == bad) throw std::runtime_error("the bad item");
                     return x + 100;
                   },
                   in),
               hmp::TaskError);
  expect_map<long>(500000 / kScale, [](long x) { return x * 11; }, "after a failed call");
}

}  // namespace
