// Pool(processes=k): a pool on the first k ranks; the others are not members
// and are free for other work.
#include <gtest/gtest.h>
#include <hmp/pool.hpp>

#include <numeric>
#include <vector>

namespace {

int world_rank() { return hmp::Runtime::current().world().rank(); }
int world_size() { return hmp::Runtime::current().world().size(); }

std::vector<long> squares_of_iota(int n) {
  std::vector<long> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<long>(i) * i;
  return v;
}

TEST(Processes, PoolOfOneRankMapsOnRoot) {
  hmp::PoolOptions o;
  o.processes = 1;
  hmp::Pool pool(hmp::Runtime::current(), o);
  EXPECT_EQ(pool.size(), 1);
  EXPECT_EQ(pool.member(), world_rank() == 0);
  EXPECT_EQ(pool.rank(), world_rank() == 0 ? 0 : -1);
  if (!pool.member()) return;
  std::vector<int> in(1000);
  std::iota(in.begin(), in.end(), 0);
  const auto out = pool.map([](int x) { return static_cast<long>(x) * x; }, in);
  EXPECT_EQ(out, squares_of_iota(1000));
}

TEST(Processes, PoolOfTwoRanksLeavesTheOthersFree) {
  if (world_size() < 2) GTEST_SKIP() << "needs 2 ranks";
  hmp::PoolOptions o;
  o.processes = 2;
  hmp::Pool pool(hmp::Runtime::current(), o);
  EXPECT_EQ(pool.size(), 2);
  EXPECT_EQ(pool.member(), world_rank() < 2);
  if (pool.member()) {
    std::vector<int> in(5000);
    std::iota(in.begin(), in.end(), 0);
    // Which ranks did the work: only the pool's two.
    const auto who = pool.map([](int) { return world_rank(); }, in, std::size_t{1});
    const auto out = pool.map([](int x) { return static_cast<long>(x) * x; }, in);
    if (pool.is_root()) {
      EXPECT_EQ(out, squares_of_iota(5000));
      for (int r : who) EXPECT_LT(r, 2);
    } else {
      EXPECT_TRUE(out.empty());
    }
  } else {
    EXPECT_EQ(pool.rank(), -1);
    EXPECT_FALSE(pool.is_root());
    EXPECT_THROW(pool.map([](int x) { return x; }, std::vector<int>{1, 2}), hmp::UsageError);
  }
}

TEST(Processes, OutsideRanksFormTheirOwnPool) {
  if (world_size() < 3) GTEST_SKIP() << "needs 3 ranks";
  hmp::PoolOptions first;
  first.processes = 1;
  hmp::Pool a(hmp::Runtime::current(), first);
  // The ranks `a` leaves out make a pool of their own over their communicator.
  const auto& world = hmp::Runtime::current().world();
  auto rest = world.split(a.member() ? MPI_UNDEFINED : 0, world.rank());
  if (a.member()) {
    const auto out = a.map([](int x) { return 2 * x; }, std::vector<int>{1, 2, 3});
    EXPECT_EQ(out, (std::vector<int>{2, 4, 6}));
    return;
  }
  hmp::PoolOptions second;
  second.comm = &rest;
  hmp::Pool b(hmp::Runtime::current(), second);
  EXPECT_EQ(b.size(), world_size() - 1);
  const auto out = b.map([](int x) { return 3 * x; }, std::vector<int>{1, 2, 3, 4});
  if (b.is_root()) EXPECT_EQ(out, (std::vector<int>{3, 6, 9, 12}));
}

TEST(Processes, BadCountIsAUsageErrorOnEveryRank) {
  hmp::PoolOptions o;
  o.processes = world_size() + 1;
  EXPECT_THROW(hmp::Pool(hmp::Runtime::current(), o), hmp::UsageError);
  o.processes = -1;
  EXPECT_THROW(hmp::Pool(hmp::Runtime::current(), o), hmp::UsageError);
  if (world_size() >= 2) {
    o.processes = 1;
    o.root = 1;  // root must be one of the pool's ranks
    EXPECT_THROW(hmp::Pool(hmp::Runtime::current(), o), hmp::UsageError);
  }
}

}  // namespace
