// Raw values between ranks: trivially copyable structs and fixed-size Eigen
// matrices travel as their bytes, as inputs sent from root (a range per
// message straight into the worker's share, or short ranges copied into one
// message) and as results (a message per staging block, in batches when a
// worker's results grow large). Every result is compared with the task run
// sequentially on root.
#include <gtest/gtest.h>
#include <mpi.h>
#include <hmp/detail/message_parts.hpp>
#include <hmp/detail/range.hpp>
#include <hmp/detail/share_index.hpp>
#include <hmp/pool.hpp>
#include <hmp/serialize_eigen.hpp>

#include "pool_fixture.hpp"

#include <Eigen/Dense>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace {

using hmp_test::pool;
bool root() { return pool().is_root(); }

using Matrix10 = Eigen::Matrix<double, 10, 10, Eigen::RowMajor>;

// A plain struct: its bytes are the value.
struct Sample {
  std::int64_t index;
  double weight;
  std::array<float, 5> tags;
};
static_assert(std::is_trivially_copyable_v<Sample>);

// Slice s of a deterministic, well-conditioned set of 10x10 matrices.
Matrix10 slice(std::size_t s) {
  Matrix10 m;
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 10; ++c) m(r, c) = static_cast<double>((7 * r + 3 * c + 11 * static_cast<int>(s)) % 13) - 6.0;
  m.diagonal().array() += 40.0;
  m(9, 0) = static_cast<double>(s);  // no two slices alike
  return m;
}

double det(const Matrix10& m) { return m.partialPivLu().determinant(); }

Sample sample(std::size_t i) {
  return {static_cast<std::int64_t>(i), 0.5 * static_cast<double>(i), {1.f, 2.f, static_cast<float>(i % 7), 4.f, 5.f}};
}

Sample reweigh(const Sample& s) {
  Sample out = s;
  out.weight = s.weight * 3 + static_cast<double>(s.tags[2]);
  out.index = -s.index;
  return out;
}

bool same(const Sample& a, const Sample& b) { return a.index == b.index && a.weight == b.weight && a.tags == b.tags; }

hmp::MapOptions scheduled(hmp::Schedule s) {
  hmp::MapOptions o;
  o.schedule = s;
  return o;
}

// Schedules whose ranges make direct parts (whole blocks, chunks of 100)
// and packed ones (chunks of 1).
std::vector<hmp::Schedule> schedules() {
  return {hmp::Schedule::static_block(), hmp::Schedule::static_cyclic(1), hmp::Schedule::static_cyclic(100),
          hmp::Schedule::dynamic()};
}

TEST(PoolTransfer, FixedSizeEigenFromRootEveryMethod) {
  const std::size_t n = 1003;  // 800 KB of slices: ranges of 100 and whole blocks exceed 64 KiB
  std::vector<Matrix10> slices;
  std::vector<double> want;
  if (root())
    for (std::size_t s = 0; s < n; ++s) slices.push_back(slice(s)), want.push_back(det(slices.back()));
  for (const auto& schedule : schedules()) {
    SCOPED_TRACE(static_cast<int>(schedule.kind));
    SCOPED_TRACE(schedule.chunksize);
    const auto o = scheduled(schedule);
    const auto det_of = [](const Matrix10& x) { return det(x); };
    const auto m = pool().map(det_of, hmp::from_root(slices), o);
    auto a = pool().map_async(det_of, hmp::from_root(slices), o);
    const auto& ag = a.get();
    std::vector<double> im;
    for (double d : pool().imap(det_of, hmp::from_root(slices), 50)) im.push_back(d);
    std::vector<std::tuple<Matrix10, double>> pairs;
    if (root())
      for (std::size_t s = 0; s < n; ++s) pairs.emplace_back(slices[s], 0.5 * static_cast<double>(s));
    const auto sm = pool().starmap([](const Matrix10& x, double y) { return det(x) + y; }, hmp::from_root(pairs), o);
    if (root()) {
      EXPECT_EQ(m, want);
      EXPECT_EQ(ag, want);
      EXPECT_EQ(im, want);
      ASSERT_EQ(sm.size(), n);
      for (std::size_t s = 0; s < n; ++s) EXPECT_EQ(sm[s], want[s] + 0.5 * static_cast<double>(s)) << "item " << s;
    } else {
      EXPECT_TRUE(m.empty());
      EXPECT_TRUE(sm.empty());
    }
  }
}

TEST(PoolTransfer, DynamicEigenAndStringsFromRootEveryMethod) {
  // Items that are not raw bytes travel encoded: one part a share, sent or
  // read from root's memory like raw ones.
  const std::size_t n = 701;
  std::vector<Eigen::MatrixXd> mats;
  std::vector<std::string> words;
  std::vector<double> want;
  const auto dyn_det = [](const Eigen::MatrixXd& m) { return m.partialPivLu().determinant(); };
  if (root())
    for (std::size_t s = 0; s < n; ++s) {
      const Eigen::Index k = 2 + static_cast<Eigen::Index>(s % 9);  // 2x2 .. 10x10
      mats.push_back(slice(s).topLeftCorner(k, k));
      want.push_back(dyn_det(mats.back()));
      words.push_back(std::string(s % 37, 'a' + static_cast<char>(s % 26)));
    }
  for (const auto& schedule : schedules()) {
    SCOPED_TRACE(static_cast<int>(schedule.kind));
    const auto o = scheduled(schedule);
    const auto m = pool().map(dyn_det, hmp::from_root(mats), o);
    auto a = pool().map_async(dyn_det, hmp::from_root(mats), o);
    const auto& ag = a.get();
    std::vector<double> im;
    for (double d : pool().imap(dyn_det, hmp::from_root(mats), 7)) im.push_back(d);
    const auto lengths = pool().map([](const std::string& w) { return w.size() * 100 + static_cast<std::size_t>(w.empty() ? 0 : w[0]); },
                                    hmp::from_root(words), o);
    if (root()) {
      EXPECT_EQ(m, want);
      EXPECT_EQ(ag, want);
      EXPECT_EQ(im, want);
      ASSERT_EQ(lengths.size(), n);
      for (std::size_t s = 0; s < n; ++s)
        EXPECT_EQ(lengths[s], words[s].size() * 100 + (words[s].empty() ? 0u : static_cast<std::size_t>(words[s][0])));
    } else {
      EXPECT_TRUE(m.empty());
    }
  }
}

TEST(PoolTransfer, SeveralAsyncCallsFromRootAtOnce) {
  // Each call's items are lent to the workers that read them from root's
  // memory until they say so, whatever the order calls are joined in; the
  // callers' vectors are gone before any get (async calls hold copies).
  const std::size_t n = 2003;
  std::vector<std::vector<Matrix10>> sets(4);
  if (root())
    for (std::size_t k = 0; k < sets.size(); ++k)
      for (std::size_t s = 0; s < n; ++s) sets[k].push_back(slice(s + 17 * k));
  const auto det_of = [](const Matrix10& x) { return det(x); };
  std::vector<decltype(pool().map_async(det_of, hmp::from_root(std::vector<Matrix10>())))> calls;
  for (std::size_t k = 0; k < sets.size(); ++k) {
    calls.push_back(pool().map_async(det_of, hmp::from_root(std::vector<Matrix10>(sets[k]))));
  }
  for (std::size_t k = sets.size(); k-- > 0;) {
    const auto& got = calls[k].get();
    if (root()) {
      ASSERT_EQ(got.size(), n);
      for (std::size_t s = 0; s < n; ++s) EXPECT_EQ(got[s], det(sets[k][s])) << "call " << k << " item " << s;
    }
  }
}

TEST(PoolTransfer, FixedSizeEigenResults) {
  const auto in = hmp_test::iota(1501);
  const auto m = pool().map([](int s) { return slice(static_cast<std::size_t>(s)); }, in);
  std::vector<Matrix10> um;
  for (const auto& x : pool().imap_unordered([](int s) { return slice(static_cast<std::size_t>(s)); }, in, 40))
    um.push_back(x);
  if (root()) {
    ASSERT_EQ(m.size(), in.size());
    for (std::size_t s = 0; s < m.size(); ++s) EXPECT_EQ(m[s], slice(s)) << "item " << s;
    ASSERT_EQ(um.size(), in.size());
    std::vector<int> seen(in.size(), 0);
    for (const auto& x : um) {
      const auto s = static_cast<std::size_t>(x(9, 0));  // which slice it claims to be
      ASSERT_LT(s, in.size());
      EXPECT_EQ(x, slice(s));
      seen[s] += 1;
    }
    for (std::size_t s = 0; s < seen.size(); ++s) EXPECT_EQ(seen[s], 1) << "item " << s;
  }
}

TEST(PoolTransfer, TriviallyCopyableStructsBothWays) {
  const std::size_t n = 3001;
  std::vector<Sample> in;
  if (root())
    for (std::size_t i = 0; i < n; ++i) in.push_back(sample(i));
  for (const auto& schedule : schedules()) {
    SCOPED_TRACE(static_cast<int>(schedule.kind));
    const auto got = pool().map([](const Sample& s) { return reweigh(s); }, hmp::from_root(in), scheduled(schedule));
    std::vector<std::tuple<Sample, int>> pairs;
    if (root())
      for (std::size_t i = 0; i < n; ++i) pairs.emplace_back(in[i], static_cast<int>(i % 5));
    auto star = pool().starmap_async([](const Sample& s, int k) { return s.weight * k; }, hmp::from_root(pairs),
                                     scheduled(schedule));
    const auto& sg = star.get();
    if (root()) {
      ASSERT_EQ(got.size(), n);
      ASSERT_EQ(sg.size(), n);
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_TRUE(same(got[i], reweigh(sample(i)))) << "item " << i;
        EXPECT_EQ(sg[i], sample(i).weight * static_cast<double>(i % 5)) << "item " << i;
      }
    }
  }
}

TEST(PoolTransfer, LargeResultsLeaveInBatches) {
  // 2 KiB results: a worker's part grows past the batch size (8 MiB) at up
  // to 4 ranks, so it sends batches before its share is done.
  struct Block {
    std::array<double, 256> v;
  };
  auto make = [](std::size_t i) {
    Block b;
    for (std::size_t k = 0; k < b.v.size(); ++k) b.v[k] = static_cast<double>(i * 1000 + k);
    return b;
  };
  const std::size_t n = 20000;  // 40 MiB in all
  hmp::MapOptions o;
  o.schedule = hmp::Schedule::dynamic(500);
  const auto got = pool().map(make, std::views::iota(std::size_t{0}, n), o);
  if (root()) {
    ASSERT_EQ(got.size(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(got[i].v, make(i).v) << "item " << i;
  }
}

TEST(PoolTransfer, AsyncLargeResultsDoNotWaitForRoot) {
  // map_async returns on a worker though root takes nothing before the
  // barrier (a worker waits for root only inside calls every rank waits for).
  struct Block {
    std::array<double, 256> v;
  };
  auto make = [](std::size_t i) {
    Block b;
    b.v.fill(static_cast<double>(i));
    return b;
  };
  const std::size_t n = 20000;
  hmp::MapOptions o;
  o.schedule = hmp::Schedule::dynamic(500);
  auto r = pool().map_async(make, std::views::iota(std::size_t{0}, n), o);
  MPI_Barrier(MPI_COMM_WORLD);
  const auto& got = r.get();
  if (root()) {
    ASSERT_EQ(got.size(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(got[i].v, make(i).v) << "item " << i;
  }
}

// Across nodes a node leader sends its node's raw results a part a run of
// positions, which root receives into its result vector (order_by_position):
// small chunks, claimed by the node's ranks in any order, and a result type
// whose bytes are not a number's.
TEST(PoolTransfer, NodeResultsReceivedInPlace) {
  const std::size_t n = 5003;
  for (const auto& s : {hmp::Schedule::dynamic(1), hmp::Schedule::dynamic(7), hmp::Schedule::dynamic(),
                        hmp::Schedule::guided(), hmp::Schedule::static_cyclic(3)}) {
    const auto roots = pool().map([](std::size_t i) { return std::sqrt(static_cast<double>(i)); },
                                  std::views::iota(std::size_t{0}, n), scheduled(s));
    const auto samples = pool().map([](std::size_t i) { return reweigh(sample(i)); },
                                    std::views::iota(std::size_t{0}, n), scheduled(s));
    if (!root()) continue;
    ASSERT_EQ(roots.size(), n);
    ASSERT_EQ(samples.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(roots[i], std::sqrt(static_cast<double>(i))) << "item " << i;
      ASSERT_TRUE(same(samples[i], reweigh(sample(i)))) << "item " << i;
    }
  }
}

// A task of `us` microseconds: simulated time in the simulated build (where
// a sleep passes no simulated time), a sleep otherwise.
void spend(std::chrono::microseconds us) {
#ifdef HMP_SMPI
  smpi_execute_benched(static_cast<double>(us.count()) * 1e-6);
#else
  std::this_thread::sleep_for(us);
#endif
}

// In a call every rank waits for, a rank that holds 16 KiB of results and
// has computed 1 ms since its last message sends them on during the call
// (to its node leader, which forwards its node's to root from 64 KiB; on
// root's node, results not in a slab to root), and the call's end carries
// only the rest. Tasks of 100 us, 64 a rank, results of 2 KiB as raw bytes
// and as a serialized pair (a string and 2 KiB of numbers), so every rank
// and every leader sends before its share ends; every result compared with
// the task run sequentially on root.
TEST(PoolTransfer, ResultsStreamToRootDuringTheCall) {
  using namespace std::chrono_literals;
  using Numbers = std::array<std::uint64_t, 256>;
  auto numbers = [](std::size_t i) {
    Numbers v;
    for (std::size_t j = 0; j < v.size(); ++j) v[j] = i * 1000 + j;
    return v;
  };
  auto named = [&](std::size_t i) {
    return std::pair(std::string(20 + i % 50, static_cast<char>('a' + i % 26)) + std::to_string(i), numbers(i));
  };
  const std::size_t n = 64 * static_cast<std::size_t>(pool().size()) + 5;
  for (const auto& s : {hmp::Schedule::dynamic(1), hmp::Schedule::guided(1)}) {
    const auto raw = pool().map(
        [&](std::size_t i) {
          spend(100us);
          return numbers(i);
        },
        std::views::iota(std::size_t{0}, n), scheduled(s));
    const auto pairs = pool().map(
        [&](std::size_t i) {
          spend(100us);
          return named(i);
        },
        std::views::iota(std::size_t{0}, n), scheduled(s));
    if (!root()) continue;
    ASSERT_EQ(raw.size(), n);
    ASSERT_EQ(pairs.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(raw[i], numbers(i)) << "item " << i;
      ASSERT_EQ(pairs[i], named(i)) << "item " << i;
    }
  }
}

TEST(OrderByPosition, SortsRunsAndJoinsTouchingOnes) {
  using hmp::detail::Range;
  // Ranges as a leader gathers them (its own, then each rank's), with an empty one.
  std::vector<Range> ranges{{40, 50}, {0, 10}, {10, 20}, {60, 61}, {70, 70}, {20, 25}, {50, 55}};
  const auto value = [](std::uint64_t i) { return static_cast<std::uint32_t>(3 * i + 1); };
  std::vector<std::byte> bytes;
  for (const auto& r : ranges)
    for (auto i = r.begin; i < r.end; ++i) {
      const auto v = value(i);
      const auto* p = reinterpret_cast<const std::byte*>(&v);
      bytes.insert(bytes.end(), p, p + sizeof v);
    }
  std::vector<std::uint64_t> parts;
  hmp::detail::order_by_position(ranges, bytes, sizeof(std::uint32_t), parts);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].begin, 0u);
  EXPECT_EQ(ranges[0].end, 25u);
  EXPECT_EQ(ranges[1].begin, 40u);
  EXPECT_EQ(ranges[1].end, 55u);
  EXPECT_EQ(ranges[2].begin, 60u);
  EXPECT_EQ(ranges[2].end, 61u);
  EXPECT_EQ(parts, (std::vector<std::uint64_t>{25, 15, 1}));
  std::size_t k = 0;
  for (const auto& r : ranges)
    for (auto i = r.begin; i < r.end; ++i, ++k) {
      std::uint32_t v = 0;
      std::memcpy(&v, bytes.data() + k * sizeof v, sizeof v);
      EXPECT_EQ(v, value(i)) << "item " << i;
    }
  EXPECT_EQ(k * sizeof(std::uint32_t), bytes.size());
  // Bytes that do not match the ranges: refused.
  std::vector<Range> short_of{{0, 4}};
  std::vector<std::byte> three(3 * sizeof(std::uint32_t));
  EXPECT_THROW(hmp::detail::order_by_position(short_of, three, sizeof(std::uint32_t), parts), hmp::Error);
}

TEST(ShareIndex, ItemsOfAShareInOrder) {
  using hmp::detail::Range;
  using hmp::detail::ShareIndex;
  // Rank 1 of 3 in chunks of 4 over 30 items: [4,8) [16,20) [28,30).
  const std::vector<Range> cyclic{{4, 8}, {16, 20}, {28, 30}};
  const auto s = ShareIndex::of(cyclic);
  std::uint64_t k = 0;
  for (const auto& r : cyclic)
    for (std::uint64_t i = r.begin; i < r.end; ++i) EXPECT_EQ(s(i), k++) << "item " << i;
  const std::vector<Range> block{{10, 25}};
  EXPECT_EQ(ShareIndex::of(block)(10), 0u);
  EXPECT_EQ(ShareIndex::of(block)(24), 14u);
  // Not a share a static schedule makes: a malformed message.
  EXPECT_THROW(ShareIndex::of(std::vector<Range>{{0, 4}, {6, 10}, {16, 20}}), hmp::Error);
  EXPECT_THROW(ShareIndex::of(std::vector<Range>{{0, 4}, {8, 10}, {16, 20}}), hmp::Error);
}

TEST(RangeCursor, CutsRangesWherePartsEnd) {
  using hmp::detail::Range;
  const std::vector<Range> ranges{{0, 5}, {10, 12}, {20, 30}};
  hmp::detail::RangeCursor cursor(ranges);
  std::vector<Range> out;
  ASSERT_TRUE(cursor.take(3, out));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].begin, 0u);
  EXPECT_EQ(out[0].end, 3u);
  ASSERT_TRUE(cursor.take(6, out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].begin, 3u);
  EXPECT_EQ(out[1].begin, 10u);
  EXPECT_EQ(out[2].begin, 20u);
  EXPECT_EQ(out[2].end, 22u);
  ASSERT_TRUE(cursor.take(8, out));
  EXPECT_EQ(out.back().end, 30u);
  EXPECT_FALSE(cursor.take(1, out));
}

}  // namespace
