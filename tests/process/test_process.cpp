// hmp::Process: lifecycle, overlap of processes started together, queueing,
// failures, cooperative terminate.
#include <gtest/gtest.h>
#include <hmp/process.hpp>

#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

hmp::Runtime& rt() { return hmp::Runtime::current(); }

TEST(Process, StartJoinExitcode) {
  hmp::Process p(rt(), [](int x, const std::string& s) {
    if (x != 7 || s != "seven") throw std::runtime_error("wrong arguments");
  }, 7, std::string("seven"));
  EXPECT_EQ(p.name.rfind("Process-", 0), 0u);
  EXPECT_FALSE(p.is_alive());
  EXPECT_FALSE(p.exitcode().has_value());
  EXPECT_EQ(p.pid(), -1);
  p.start();
  EXPECT_GE(p.rank(), 0);
  EXPECT_LT(p.rank(), rt().size());
  p.join();
  EXPECT_FALSE(p.is_alive());
  ASSERT_TRUE(p.exitcode().has_value());
  EXPECT_EQ(*p.exitcode(), 0) << p.error();
  EXPECT_EQ(p.outcome().rank, p.rank());
  EXPECT_EQ(p.outcome().pid, p.pid());
  if (p.rank() == rt().rank()) EXPECT_EQ(p.pid(), static_cast<int>(getpid()));
  EXPECT_THROW(p.start(), hmp::UsageError);  // once only
}

TEST(Process, ThrowingTargetGivesNonZeroExitcode) {
  hmp::Process p(rt(), [] { throw std::invalid_argument("no such file"); });
  p.start();
  p.join();
  ASSERT_TRUE(p.exitcode().has_value());
  EXPECT_NE(*p.exitcode(), 0);
  EXPECT_NE(p.error().find("std::invalid_argument: no such file"), std::string::npos) << p.error();
  // Later processes still work.
  hmp::Process q(rt(), [] {});
  q.start();
  q.join();
  EXPECT_EQ(q.exitcode(), 0);
}

TEST(Process, StartedTogetherOverlap) {
  if (rt().size() < 2) GTEST_SKIP() << "needs 2 ranks";
  auto show = [] { std::this_thread::sleep_for(300ms); };
  hmp::Process a(rt(), show), b(rt(), show);
  a.start();
  b.start();
  a.join();
  b.join();
  EXPECT_NE(a.rank(), b.rank());
  const auto& x = a.outcome();
  const auto& y = b.outcome();
  EXPECT_LT(x.started, y.ended);
  EXPECT_LT(y.started, x.ended);
}

TEST(Process, JoinedOneByOneDoNotOverlap) {
  auto show = [] { std::this_thread::sleep_for(100ms); };
  hmp::Process a(rt(), show), b(rt(), show);
  a.start();
  a.join();
  b.start();
  b.join();
  EXPECT_LE(a.outcome().ended, b.outcome().started);
}

TEST(Process, MoreProcessesThanRanksQueueAndFinish) {
  const int n = 2 * rt().size() + 1;
  std::vector<std::unique_ptr<hmp::Process>> ps;
  for (int i = 0; i < n; ++i)
    ps.push_back(std::make_unique<hmp::Process>(rt(), [](int k) {
      std::this_thread::sleep_for(20ms);
      if (k < 0) throw std::logic_error("unreachable");
    }, i));
  for (auto& p : ps) p->start();
  std::vector<int> ranks_used(static_cast<std::size_t>(rt().size()), 0);
  for (auto& p : ps) {
    p->join();
    EXPECT_EQ(p->exitcode(), 0);
    ranks_used[static_cast<std::size_t>(p->rank())]++;
  }
  for (int used : ranks_used) EXPECT_GE(used, 1);  // every rank took a turn
}

TEST(Process, TerminateIsCooperative) {
  hmp::Process p(rt(), [](const hmp::StopToken& stop) {
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  });
  p.start();
  std::this_thread::sleep_for(50ms);
  p.terminate();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_LT(p.outcome().ended - p.outcome().started, 10.0) << "the target did not see the stop request";
}

TEST(Process, CloseWhileRunningThrows) {
  if (rt().size() < 2) GTEST_SKIP() << "needs 2 ranks: root's own target runs when root waits";
  hmp::Process p(rt(), [] { std::this_thread::sleep_for(300ms); });
  p.start();
  if (rt().is_root()) EXPECT_THROW(p.close(), hmp::UsageError);
  p.join();
  p.close();
  EXPECT_THROW(p.start(), hmp::UsageError);
}

TEST(Process, DaemonIsStoppedWhenItGoesAway) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    hmp::Process p(rt(), [](const hmp::StopToken& stop) {
      const auto give_up = std::chrono::steady_clock::now() + 30s;
      while (!stop.stop_requested() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
    });
    p.daemon = true;
    p.start();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
}

TEST(Process, TimedJoin) {
  if (rt().size() < 2) GTEST_SKIP() << "needs 2 ranks";
  hmp::Process p(rt(), [] { std::this_thread::sleep_for(400ms); });
  p.start();
  if (rt().is_root() && p.rank() != rt().rank()) EXPECT_FALSE(p.join(10ms));
  p.join();
  EXPECT_TRUE(p.join(1ms));
}

}  // namespace
