// Failures are collective: the same TaskError on every rank; timeouts can be
// recovered from; mismatched calls are named, not deadlocked; lifecycle.
#include <gtest/gtest.h>
#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>

#include "pool_fixture.hpp"

#include <atomic>
#include <chrono>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

using hmp_test::pool;

using hmp_test::iota;

struct Boom : std::runtime_error {
  using std::runtime_error::runtime_error;
};

auto thrower(int bad) {
  return [bad](int x) {
    if (x == bad) throw Boom("item " + std::to_string(x) + " is bad");
    return x * 2;
  };
}

// The same error on every rank: compare with root's.
void expect_same_everywhere(const hmp::TaskError& e) {
  std::string what = e.what();
  int len = static_cast<int>(what.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string roots(static_cast<std::size_t>(len), ' ');
  if (hmp::Runtime::current().is_root()) roots = what;
  MPI_Bcast(roots.data(), len, MPI_CHAR, 0, MPI_COMM_WORLD);
  EXPECT_EQ(what, roots);
}

TEST(PoolErrors, MapThrowsTheSameTaskErrorEverywhere) {
  const auto in = iota(50);
  try {
    pool().map(thrower(31), in);
    ADD_FAILURE() << "no TaskError";
  } catch (const hmp::TaskError& e) {
    EXPECT_EQ(e.index(), 31u);
    EXPECT_EQ(e.message(), "item 31 is bad");
    EXPECT_NE(e.type_name().find("Boom"), std::string::npos) << e.type_name();
    EXPECT_GE(e.rank(), 0);
    EXPECT_LT(e.rank(), pool().size());
    expect_same_everywhere(e);
  }
  // The pool is still usable.
  const auto ok = pool().map([](int x) { return x + 1; }, in);
  if (pool().is_root()) EXPECT_EQ(ok[49], 50);
}

TEST(PoolErrors, LowestFailingIndexWins) {
  const auto in = iota(40);
  try {
    pool().map(
        [](int x) {
          if (x % 10 == 7) throw std::invalid_argument("bad " + std::to_string(x));
          return x;
        },
        in, 1);
    ADD_FAILURE() << "no TaskError";
  } catch (const hmp::TaskError& e) {
    // Each rank stops at its first failure; the lowest index among them wins.
    EXPECT_EQ(e.index() % 10, 7u);
    EXPECT_EQ(e.type_name(), "std::invalid_argument");
    expect_same_everywhere(e);
  }
}

// Root settles a failed map as soon as it knows the failure: it stops the
// other ranks between tasks and every rank raises before the call's other
// messages are in (docs/design.md, "A failed call"). Whatever was in flight
// of that call (results, some large, requests for blocks) must not reach
// the calls after it: each is compared with its sequential result.
TEST(PoolErrors, TheCallsAfterAFailedOneAreRight) {
  const auto in = iota(300);
  for (int round = 0; round < 3; ++round) {
    const int bad = 5 + 40 * round;
    try {
      pool().map(
          [bad](int x) {
            if (x == bad) throw Boom("item " + std::to_string(x) + " is bad");
            std::this_thread::sleep_for(100us);
            return std::vector<double>(x % 9 == 0 ? 20000 : 1, x);  // some of 160 KB: sent in rendezvous
          },
          in, 3);
      ADD_FAILURE() << "no TaskError";
    } catch (const hmp::TaskError& e) {
      EXPECT_EQ(e.index(), static_cast<std::uint64_t>(bad));
      EXPECT_EQ(e.message(), "item " + std::to_string(bad) + " is bad");
      expect_same_everywhere(e);
    }
    const auto ok = pool().map([](int x) { return std::vector<double>(x % 9 == 0 ? 20000 : 1, 3.0 * x); }, in, 2);
    if (pool().is_root()) {
      ASSERT_EQ(ok.size(), in.size());
      for (int x : in) {
        ASSERT_EQ(ok[static_cast<std::size_t>(x)].size(), x % 9 == 0 ? 20000u : 1u) << x;
        EXPECT_EQ(ok[static_cast<std::size_t>(x)].back(), 3.0 * x) << x;
      }
    }
    hmp::MapOptions m;
    m.everywhere = true;
    const auto all = pool().map([round](int x) { return x * x + round; }, iota(60), m);
    ASSERT_EQ(all.size(), 60u);
    for (int x = 0; x < 60; ++x) EXPECT_EQ(all[static_cast<std::size_t>(x)], x * x + round) << x;
  }
}

// Every task of every rank throws: whichever failure the call settles on,
// every rank raises that same one (index, message and type agree), for an
// exception derived from std::exception and for one that is not; the
// calls after it are right, among them one whose 100,000 results root's
// result vector holds only after growing it step by step (root_role.cpp,
// grow_results).
TEST(PoolErrors, EveryRankFailingRaisesOneErrorEverywhere) {
  const auto in = iota(2000);
  for (int round = 0; round < 2; ++round) {
    try {
      pool().map(
          [round](int x) -> int {
            if (round == 0) throw Boom("item " + std::to_string(x) + " is bad");
            throw x;  // not a std::exception
          },
          in, 4);
      ADD_FAILURE() << "no TaskError";
    } catch (const hmp::TaskError& e) {
      EXPECT_LT(e.index(), in.size());
      EXPECT_GE(e.rank(), 0);
      EXPECT_LT(e.rank(), pool().size());
      if (round == 0) {
        EXPECT_EQ(e.message(), "item " + std::to_string(e.index()) + " is bad");
        EXPECT_NE(e.type_name().find("Boom"), std::string::npos) << e.type_name();
      } else {
        EXPECT_EQ(e.message(), "(an exception not derived from std::exception)");
        EXPECT_EQ(e.type_name(), "int");
      }
      expect_same_everywhere(e);
      const std::uint64_t index[2] = {e.index(), e.index()};
      std::uint64_t low = 0, high = 0;
      MPI_Allreduce(&index[0], &low, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
      MPI_Allreduce(&index[1], &high, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
      EXPECT_EQ(low, high);
    }
    const auto big = pool().map([](int x) { return 0.5 * x; }, iota(100000));
    if (pool().is_root()) {
      ASSERT_EQ(big.size(), 100000u);
      for (int x = 0; x < 100000; ++x) ASSERT_EQ(big[static_cast<std::size_t>(x)], 0.5 * x) << x;
    }
    hmp::MapOptions m;
    m.everywhere = true;
    const auto all = pool().map([round](int x) { return x - round; }, iota(300), m);
    ASSERT_EQ(all.size(), 300u);
    for (int x = 0; x < 300; ++x) EXPECT_EQ(all[static_cast<std::size_t>(x)], x - round) << x;
  }
}

TEST(PoolErrors, AsyncAndImapAndStarmapFailures) {
  const auto in = iota(30);
  std::atomic<int> error_callbacks{0}, callbacks{0};
  auto a = pool().map_async(thrower(3), in, {}, hmp::callback([&](const std::vector<int>&) { ++callbacks; }),
                            hmp::error_callback([&](const hmp::TaskError& e) {
                              EXPECT_EQ(e.index(), 3u);
                              ++error_callbacks;
                            }));
  EXPECT_THROW(a.get(), hmp::TaskError);
  EXPECT_FALSE(a.successful());
  EXPECT_EQ(callbacks.load(), 0);
  EXPECT_EQ(error_callbacks.load(), pool().is_root() ? 1 : 0);  // callbacks run on root

  EXPECT_THROW(
      {
        for (int v : pool().imap(thrower(17), in)) (void)v;
      },
      hmp::TaskError);
  EXPECT_THROW(
      {
        for (int v : pool().imap_unordered(thrower(0), in)) (void)v;
      },
      hmp::TaskError);
  std::vector<std::tuple<int, int>> t{{1, 2}, {0, 0}, {3, 4}};
  EXPECT_THROW(pool().starmap(
                   [](int x, int y) {
                     if (y == 0) throw std::domain_error("division by zero");
                     return x / y;
                   },
                   t),
               hmp::TaskError);
  EXPECT_THROW(pool().for_each(5, [](std::size_t i) {
                 if (i == 4) throw std::runtime_error("four");
               }),
               hmp::TaskError);
}

TEST(PoolErrors, CallbacksRunOnRootWithTheResults) {
  const auto in = iota(12);
  std::vector<int> seen;
  auto a = pool().map_async([](int x) { return -x; }, in, {}, hmp::callback([&](const std::vector<int>& r) { seen = r; }));
  a.wait();
  EXPECT_TRUE(a.ready());
  EXPECT_TRUE(a.successful());
  if (pool().is_root()) {
    ASSERT_EQ(seen.size(), 12u);
    EXPECT_EQ(seen[11], -11);
  } else {
    EXPECT_TRUE(seen.empty());
  }
}

TEST(PoolErrors, TimeoutThenLaterGet) {
  const auto in = iota(4 * pool().size());
  auto a = pool().map_async(
      [](int x) {
        std::this_thread::sleep_for(150ms);
        return x;
      },
      in, hmp::MapOptions{.chunksize = 1, .schedule = std::nullopt, .everywhere = false});
  bool timed_out = false;
  try {
    a.get(5ms);
  } catch (const hmp::TimeoutError& e) {
    timed_out = true;
    EXPECT_NE(std::string(e.what()).find("get() again"), std::string::npos);
  }
  // Timeouts are per rank: root cannot have 4 x ranks items of 150 ms in
  // 5 ms; a worker may find the outcome already there.
  if (pool().is_root()) EXPECT_TRUE(timed_out);
  const auto& r = a.get();
  if (pool().is_root()) EXPECT_EQ(r, in);
  EXPECT_TRUE(a.successful());
}

TEST(PoolErrors, SuccessfulBeforeReadyIsAUsageError) {
  const auto in = iota(3);
  auto a = pool().map_async(
      [](int x) {
        std::this_thread::sleep_for(50ms);
        return x;
      },
      in, hmp::MapOptions{.chunksize = 0, .schedule = hmp::Schedule::static_cyclic(), .everywhere = false});
  if (pool().is_root()) EXPECT_THROW((void)a.successful(), hmp::UsageError);
  a.get();
  EXPECT_TRUE(a.successful());
}

TEST(PoolErrors, MismatchedLengthsAreNamed) {
  if (pool().size() < 2) GTEST_SKIP() << "needs 2 ranks";
  const auto in = iota(pool().is_root() ? 10 : 12);
  try {
    pool().map([](int x) { return x; }, in);
    ADD_FAILURE() << "no CollectiveMismatch";
  } catch (const hmp::CollectiveMismatch& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("map of 10 items"), std::string::npos) << what;
    EXPECT_NE(what.find("map of 12 items"), std::string::npos) << what;
  }
  const auto ok = pool().map([](int x) { return x; }, iota(5));
  if (pool().is_root()) EXPECT_EQ(ok.size(), 5u);
}

TEST(PoolErrors, MismatchedMethodsAreNamed) {
  if (pool().size() < 2) GTEST_SKIP() << "needs 2 ranks";
  const auto in = iota(6);
  auto f = [](int x) { return x; };
  try {
    if (pool().is_root())
      pool().map(f, in);
    else
      pool().map_async(f, in).get();
    ADD_FAILURE() << "no CollectiveMismatch";
  } catch (const hmp::CollectiveMismatch& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("map of 6"), std::string::npos) << what;
    EXPECT_NE(what.find("map_async of 6"), std::string::npos) << what;
    EXPECT_NE(what.find("test_pool_errors.cpp"), std::string::npos) << what;
  }
}

TEST(PoolErrors, ARankThatNeverCallsIsNamedAfterTheTimeout) {
  if (pool().size() < 2) GTEST_SKIP() << "needs 2 ranks";
  hmp::PoolOptions o;
  o.wait_timeout = 1.0;
  hmp::Pool p(hmp::Runtime::current(), o);
  if (p.is_root()) {
    try {
      p.map([](int x) { return x; }, iota(4));
      ADD_FAILURE() << "no TimeoutError";
    } catch (const hmp::TimeoutError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("rank 0 waited"), std::string::npos) << what;
      EXPECT_NE(what.find("from rank(s) 1"), std::string::npos) << what;
    }
  }
}

TEST(PoolLifecycle, CloseJoinTerminate) {
  hmp::Pool p(hmp::Runtime::current());
  EXPECT_THROW(p.join(), hmp::UsageError);  // join before close
  auto a = p.map_async([](int x) { return x * 3; }, iota(9));
  p.close();
  EXPECT_THROW(p.map([](int x) { return x; }, iota(2)), hmp::UsageError);
  p.join();  // completes the outstanding call
  EXPECT_TRUE(a.ready());
  if (p.is_root()) EXPECT_EQ(a.get()[8], 24);
  hmp::Pool q(hmp::Runtime::current());
  q.terminate();
  EXPECT_THROW(q.map([](int x) { return x; }, iota(2)), hmp::UsageError);
}

int g_initialized = 0;

TEST(PoolLifecycle, InitializerRunsOnEveryRank) {
  g_initialized = 0;
  hmp::PoolOptions o;
  o.initializer = [] { g_initialized = 42; };
  hmp::Pool p(hmp::Runtime::current(), o);
  EXPECT_EQ(g_initialized, 42);
  hmp::MapOptions m;
  m.everywhere = true;
  const auto seen = p.map([](int) { return g_initialized; }, iota(8), m);
  for (int v : seen) EXPECT_EQ(v, 42);
}

TEST(PoolLifecycle, FailingInitializerThrowsEverywhere) {
  const int bad = hmp::Runtime::current().size() - 1;
  hmp::PoolOptions o;
  o.initializer = [bad] {
    if (hmp::Runtime::current().rank() == bad) throw std::runtime_error("no data file");
  };
  try {
    hmp::Pool p(hmp::Runtime::current(), o);
    ADD_FAILURE() << "no TaskError";
  } catch (const hmp::TaskError& e) {
    EXPECT_EQ(e.rank(), bad);
    EXPECT_NE(std::string(e.what()).find("no data file"), std::string::npos);
  }
}

TEST(PoolProgress, RootPrintsAProgressLine) {
#ifdef HMP_SMPI
  GTEST_SKIP() << "simulated ranks share one process's stderr: root's capture would catch the others' lines";
#endif
  hmp::PoolOptions o;
  o.progress = true;
  hmp::Pool p(hmp::Runtime::current(), o);
  testing::internal::CaptureStderr();
  p.map(
      [](int x) {
        std::this_thread::sleep_for(5ms);
        return x;
      },
      iota(200), 1);
  const std::string err = testing::internal::GetCapturedStderr();
  if (p.is_root()) {
    EXPECT_NE(err.find("map: 200/200 items (100%)"), std::string::npos) << err;
    EXPECT_NE(err.find("items/s"), std::string::npos) << err;
    EXPECT_NE(err.find("slowest rank"), std::string::npos) << err;
  } else {
    EXPECT_EQ(err.find("items/s"), std::string::npos) << "only root prints";
  }
}

}  // namespace
