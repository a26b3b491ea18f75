// The schedule objects behind every pool call, checked against the
// definition of each kind: over all ranks every item is taken exactly once;
// static kinds give rank r exactly the items owner_of names, in the layout
// the kind promises (chunk j to rank j % ranks; numpy.array_split blocks);
// dynamic and guided hand out positions of the shared counter once each,
// even across (simulated) nodes where the counter is reached over MPI, and
// through node blocks, fetched from the counter a block at a time.
#include <gtest/gtest.h>
#include <hmp/detail/call_schedule.hpp>
#include <hmp/detail/claim_sizes.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/runtime.hpp>
#include <hmp/split.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

namespace {

using hmp::Schedule;
using hmp::detail::CallShape;
using hmp::detail::ClaimCounter;
using hmp::detail::Cursor;
using hmp::detail::Range;

// Who took each item, when `ranks` ranks claim in turn from one schedule.
std::vector<int> deal(hmp::detail::CallSchedule& s, std::uint64_t n, int ranks) {
  std::vector<int> taker(n, -1);
  std::vector<Cursor> cursors(static_cast<std::size_t>(ranks));
  std::vector<char> done(static_cast<std::size_t>(ranks), 0);
  for (int left = ranks; left > 0;) {
    for (int r = 0; r < ranks; ++r) {
      if (done[static_cast<std::size_t>(r)]) continue;
      std::vector<Range> out;
      if (!s.next(r, cursors[static_cast<std::size_t>(r)], out)) {
        done[static_cast<std::size_t>(r)] = 1;
        --left;
        continue;
      }
      for (const auto& range : out)
        for (auto i = range.begin; i < range.end; ++i) {
          EXPECT_EQ(taker[i], -1) << "item " << i << " taken twice";
          taker[i] = r;
        }
    }
  }
  for (std::uint64_t i = 0; i < n; ++i) EXPECT_NE(taker[i], -1) << "item " << i << " never taken";
  return taker;
}

struct Local {
  hmp::detail::AtomicCells<std::uint64_t> cells{hmp::Runtime::current().world(), 1};
  ClaimCounter counter{cells, 0};
};

Local& local() {
  static Local l;
  return l;
}

std::uint64_t g_seq = 0;

// The shape of one call; each gets a fresh call number (as the pool's calls
// do), so the counter moves to it.
CallShape shape(std::uint64_t n, int ranks, int threads) { return {n, ranks, threads, ++g_seq}; }

TEST(CallSchedules, StaticCyclicDealsChunkJToRankJModRanks) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  for (std::uint64_t n : {0, 1, 7, 100, 1001})
    for (int ranks : {1, 3, 4})
      for (std::size_t chunk : {0, 1, 5})
        for (int threads : {1, 2}) {
          auto s = hmp::detail::make_call_schedule(Schedule::static_cyclic(chunk), shape(n, ranks, threads),
                                                   local().counter);
          const auto taker = deal(*s, n, ranks);
          const std::uint64_t c = chunk ? chunk : 1;
          for (std::uint64_t i = 0; i < n; ++i) {
            EXPECT_EQ(taker[i], static_cast<int>((i / c) % static_cast<std::uint64_t>(ranks)));
            EXPECT_EQ(s->owner_of(i), taker[i]);
          }
        }
}

TEST(CallSchedules, StaticBlockIsNumpyArraySplit) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  for (int n : {0, 1, 7, 100, 1001})
    for (int ranks : {1, 3, 4}) {
      auto s = hmp::detail::make_call_schedule(Schedule::static_block(), shape(static_cast<std::uint64_t>(n), ranks, 2),
                                               local().counter);
      const auto taker = deal(*s, static_cast<std::uint64_t>(n), ranks);
      std::vector<int> items(static_cast<std::size_t>(n));
      std::iota(items.begin(), items.end(), 0);
      const auto parts = hmp::array_split(items, static_cast<std::size_t>(ranks));
      for (int r = 0; r < ranks; ++r)
        for (int i : parts[static_cast<std::size_t>(r)]) {
          EXPECT_EQ(taker[static_cast<std::size_t>(i)], r) << "item " << i;
          EXPECT_EQ(s->owner_of(static_cast<std::uint64_t>(i)), r) << "item " << i;
        }
    }
}

TEST(CallSchedules, DynamicAndGuidedTakeEveryItemOnce) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  for (auto kind : {Schedule::dynamic(), Schedule::dynamic(3), Schedule::guided(), Schedule::guided(4)})
    for (std::uint64_t n : {0, 1, 7, 1000}) {
      auto s = hmp::detail::make_call_schedule(kind, shape(n, 3, 2), local().counter);
      EXPECT_FALSE(s->is_static());
      EXPECT_EQ(s->owner_of(0), -1);
      deal(*s, n, 3);
      EXPECT_TRUE(s->exhausted(0, Cursor{}));
    }
}

// Python's default chunksize counts the pool's workers (divmod(n, 4 x workers),
// one more if any is left over); where root only serves the nodes' blocks it
// is not one of them.
TEST(CallSchedules, DefaultChunksizeCountsTheRanksThatClaim) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  auto all_claim = hmp::detail::make_call_schedule(Schedule::dynamic(), shape(1000, 5, 1), local().counter);
  EXPECT_EQ(all_claim->chunk(), 50u);  // 1000 / (4 x 5)
  CallShape served = shape(1000, 5, 1);
  served.claims_served_by_root = true;
  auto root_serves = hmp::detail::make_call_schedule(Schedule::dynamic(), served, local().counter);
  EXPECT_EQ(root_serves->chunk(), 63u);  // 1000 / (4 x 4) = 62 rest 8
  served = shape(1000, 5, 2);
  served.claims_served_by_root = true;
  EXPECT_EQ(hmp::detail::make_call_schedule(Schedule::dynamic(), served, local().counter)->chunk(), 32u);  // 4 x 8
  deal(*root_serves, 1000, 4);
}

// The items of each claim one rank takes alone, in order.
std::vector<std::uint64_t> claim_sizes(hmp::detail::CallSchedule& s) {
  std::vector<std::uint64_t> sizes;
  Cursor c;
  std::uint64_t next = 0;
  for (std::vector<Range> out; s.next(0, c, out); out.clear()) {
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].begin, next) << "claims follow each other";
    next = out[0].end;
    sizes.push_back(out[0].size());
  }
  return sizes;
}

// Dynamic at chunksize 0: 4 chunks a worker, as Python's ceil(n / (4 x
// workers)) intends, but exactly 4 x workers of them, floor or ceil of
// n / (4 x workers), the larger first. Python's size for every chunk left the
// last round short: 10^6 items over 4,095 workers made 16,129 chunks of 62
// and 2, most workers ran 4 (248 items), some 2. Claimed in turn (tasks of
// equal cost), each worker now takes 4 chunks, and workers' items differ
// by at most one.
TEST(CallSchedules, DynamicDefaultDealsFourEvenChunksAWorker) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  struct Case {
    std::uint64_t n;
    int ranks, threads;
    bool served;
  };
  for (const Case k : {Case{1000000, 4096, 1, true}, Case{100000, 4096, 1, true}, Case{250000, 1024, 1, true},
                       Case{100000, 64, 1, false}, Case{1000, 5, 1, false}, Case{1000, 5, 2, true},
                       Case{100, 2, 1, false}, Case{7, 3, 1, false}, Case{1, 3, 2, false}}) {
    SCOPED_TRACE(::testing::Message() << k.n << " items, " << k.ranks << " ranks x " << k.threads << " threads");
    CallShape call = shape(k.n, k.ranks, k.threads);
    call.claims_served_by_root = k.served;
    const auto claimers = static_cast<std::uint64_t>(call.claiming());
    const std::uint64_t workers = claimers * static_cast<std::uint64_t>(k.threads);
    const std::uint64_t chunks = std::min(k.n, 4 * workers);
    auto s = hmp::detail::make_call_schedule(Schedule::dynamic(), call, local().counter);
    EXPECT_EQ(s->chunk(), hmp::default_chunksize(k.n, workers));  // Python's size: the larger chunk
    const auto sizes = claim_sizes(*s);
    const std::uint64_t t = static_cast<std::uint64_t>(k.threads);
    EXPECT_EQ(sizes.size(), (chunks + t - 1) / t) << "claims of " << k.threads << " chunks";
    EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), std::uint64_t{0}), k.n);
    EXPECT_TRUE(std::is_sorted(sizes.rbegin(), sizes.rend())) << "the larger chunks first";
    if (k.threads == 1 && !sizes.empty()) {
      const auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
      EXPECT_LE(*hi - *lo, 1u);
      EXPECT_EQ(*hi, (k.n + chunks - 1) / chunks);
      // Claimed in turn, as ranks whose tasks cost the same claim (a new
      // call: the one above is all claimed).
      call.seq = ++g_seq;
      auto again = hmp::detail::make_call_schedule(Schedule::dynamic(), call, local().counter);
      const auto taker = deal(*again, k.n, static_cast<int>(claimers));
      std::vector<std::uint64_t> items(claimers, 0);
      for (int r : taker)
        if (r >= 0) ++items[static_cast<std::size_t>(r)];
      const auto [fewest, most] = std::minmax_element(items.begin(), items.end());
      EXPECT_LE(*most - *fewest, 1u) << "a worker's items";
    }
  }
  // An explicit chunksize keeps Python's meaning: chunks of it, the last the rest.
  auto python = hmp::detail::make_call_schedule(Schedule::dynamic(62), shape(1000000, 4096, 1), local().counter);
  const auto sizes = claim_sizes(*python);
  ASSERT_EQ(sizes.size(), 16130u);
  EXPECT_EQ(std::count(sizes.begin(), sizes.end(), 62u), 16129);
  EXPECT_EQ(sizes.back(), 2u);
}

// OpenMP's guided: each claim takes ceil(left / workers) items, at least the
// chunk; one rank claiming alone sees the whole sequence.
TEST(CallSchedules, GuidedChunksShrinkWithTheWorkLeft) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  auto s = hmp::detail::make_call_schedule(Schedule::guided(2), shape(1000, 2, 1), local().counter);
  Cursor c;
  std::vector<std::uint64_t> sizes;
  for (std::vector<Range> out; s->next(0, c, out); out.clear()) sizes.push_back(out[0].size());
  const std::vector<std::uint64_t> openmp = {500, 250, 125, 63, 31, 16, 8, 4, 2, 1};
  EXPECT_EQ(sizes, openmp);  // the last claim: the one item left
}

// What dynamic and guided hand out, for 4,096 ranks of which root only
// serves (4,095 claim; nodes of 32 claimers): known values.
TEST(CallSchedules, ClaimSizesCountTheRanksThatClaim) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  CallShape served = shape(100000, 4096, 1);
  served.claims_served_by_root = true;
  EXPECT_EQ(served.claiming(), 4095);
  EXPECT_EQ(shape(100000, 4096, 1).claiming(), 4096);
  auto guided = hmp::detail::make_call_schedule(Schedule::guided(), served, local().counter);
  const auto& g = dynamic_cast<const hmp::detail::ClaimSizes&>(*guided);
  EXPECT_EQ(g.claimers(), 4095u);
  EXPECT_FALSE(g.root_claims());
  EXPECT_EQ(g.claim(100000, 4095), 25u);  // ceil(100000 / 4095)
  EXPECT_EQ(g.claim(700, 32), 22u);       // a rank's share of its node's block: ceil(700 / 32)
  EXPECT_EQ(g.claim(3, 32), 1u);          // at least the chunk
  EXPECT_EQ(g.block(50000, 32), 32u * 13);  // the node's share: 32 x ceil(50000 / 4095)
  EXPECT_EQ(g.block(100, 32), 32u);         // a chunk each at the end
  EXPECT_EQ(g.dealt_per_rank(), 12u);       // half the call evenly: 100000 / 8190
  // Dynamic: 16,380 chunks of 6 or 7 (4 a worker; Python's chunksize, 7, the larger).
  auto dynamic = hmp::detail::make_call_schedule(Schedule::dynamic(), served, local().counter);
  const auto& d = dynamic_cast<const hmp::detail::ClaimSizes&>(*dynamic);
  EXPECT_EQ(dynamic->chunk(), 7u);
  EXPECT_EQ(d.claim(16380, 4095), 1u);     // a chunk per thread
  EXPECT_EQ(d.dealt_per_rank(), 2u);       // two claims a rank (half the call would be 1)
  EXPECT_EQ(d.block(6096, 32), 64u);       // the tail: two claims a claimer
  EXPECT_EQ(d.block(1000000, 32), 3908u);  // mid-call: half the node's share, ceil(10^6 x 32 / 8190)
  // Too few chunks to deal two a rank within three quarters: none dealt.
  auto few = hmp::detail::make_call_schedule(Schedule::dynamic(1), shape(1000, 1000, 1), local().counter);
  EXPECT_EQ(dynamic_cast<const hmp::detail::ClaimSizes&>(*few).dealt_per_rank(), 0u);
}

TEST(CallSchedules, TooManyChunksIsAUsageError) {
  (void)local();  // collective: made on every rank before any rank skips
  if (!hmp::Runtime::current().is_root()) GTEST_SKIP() << "one process suffices";
  EXPECT_THROW(hmp::detail::make_call_schedule(Schedule::dynamic(1), shape(std::uint64_t{1} << 33, 2, 1),
                                               local().counter),
               hmp::UsageError);
}

// Every rank claims from one counter at once (over MPI across simulated
// nodes, guarded as atomic_cells.hpp says): each position goes to exactly one.
TEST(CallSchedules, ConcurrentClaimsAcrossRanksTakeEachChunkOnce) {
  auto& rt = hmp::Runtime::current();
  constexpr std::uint64_t n = 20000;
  // Only root ran the tests above: agree on the call number first, as the
  // pool's ranks do by making the same calls.
  MPI_Allreduce(MPI_IN_PLACE, &g_seq, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  for (int round = 0; round < 3; ++round) {
    auto s = hmp::detail::make_call_schedule(Schedule::dynamic(1), shape(n, rt.size(), 1), local().counter);
    std::vector<int> mine(n, 0);
    Cursor c;
    for (std::vector<Range> out; s->next(rt.rank(), c, out); out.clear())
      for (const auto& r : out)
        for (auto i = r.begin; i < r.end; ++i) mine[i] += 1;
    std::vector<int> all(n, 0);
    MPI_Allreduce(mine.data(), all.data(), static_cast<int>(n), MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(all[i], 1) << "chunk " << i << " in round " << round;
  }
}

}  // namespace

namespace {

// Across nodes, ranks claim through their node's block and fetch a block
// from the pool's counter only when it is used up (node_blocks.hpp): every
// position still goes to exactly one rank, and the fetches, which cross
// nodes, are far fewer than the claims.
struct NodeLevel {
  hmp::detail::AtomicCells<std::uint64_t> cells{hmp::Runtime::current().world(), 1};
  hmp::detail::NodeGroups groups = hmp::detail::split_by_node(hmp::Runtime::current().world());
  hmp::detail::NodeBlocks blocks{groups, 60, hmp::Runtime::current().rank(), 0};
  ClaimCounter counter{cells, 0, &blocks};
};

TEST(CallSchedules, ClaimsThroughNodeBlocksTakeEachPositionOnce) {
  auto& rt = hmp::Runtime::current();
  static NodeLevel level;
  MPI_Allreduce(MPI_IN_PLACE, &g_seq, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  constexpr std::uint64_t n = 20000;
  std::uint64_t claims = 0;
  // Ordered calls (every rank waits for each, as here: the allreduce)
  // fetch blocks by adding to the pool's counter, the others by swapping it
  // (a pool's ordered calls take them from root by message instead:
  // NodeBlocks::serve_from, which these blocks are not given).
  for (const bool ordered : {false, true})
  for (auto kind : {Schedule::dynamic(1), Schedule::dynamic(7), Schedule::guided(), Schedule::guided(5)}) {
    auto call = shape(n, rt.size(), 2);
    call.ordered = ordered;
    auto s = hmp::detail::make_call_schedule(kind, call, level.counter);
    std::vector<int> mine(n, 0);
    Cursor c;
    for (std::vector<Range> out; s->next(rt.rank(), c, out); out.clear(), ++claims)
      for (const auto& r : out)
        for (auto i = r.begin; i < r.end; ++i) mine[i] += 1;
    EXPECT_TRUE(s->exhausted(rt.rank(), c));
    std::vector<int> all(n, 0);
    MPI_Allreduce(mine.data(), all.data(), static_cast<int>(n), MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (std::uint64_t i = 0; i < n; ++i)
      ASSERT_EQ(all[i], 1) << "item " << i << " of " << hmp::to_string(kind.kind) << (ordered ? ", ordered" : "");
  }
  std::uint64_t totals[2] = {claims, level.blocks.fetches()};
  MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_GT(totals[0], 20000 / 7u) << "claims";
  EXPECT_LT(totals[1] * 20, totals[0]) << totals[1] << " fetches from the pool's counter for " << totals[0] << " claims";
}

}  // namespace
