// Pool.apply / apply_async: one task on one rank, in turn; callbacks in
// order on root; errors; timeouts then a later get.
#include <gtest/gtest.h>
#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>

#include "pool_fixture.hpp"
#include <hmp/split.hpp>

#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

using hmp_test::pool;

TEST(Apply, ResultReachesRoot) {
  const auto r = pool().apply([](int a, const std::string& b) { return b + std::to_string(a); }, 42, std::string("x"));
  if (pool().is_root())
    EXPECT_EQ(r, "x42");
  else
    EXPECT_EQ(r, "");
}

TEST(Apply, WorkersInTurnRootLast) {
  const int P = pool().size();
  std::vector<hmp::AsyncResult<int>> rs;
  const int me = pool().rank();
  for (int i = 0; i < 2 * P; ++i) rs.push_back(pool().apply_async([me] { return me; }));
  std::vector<int> who;
  for (auto& r : rs) who.push_back(r.get());
  // Ranks take turns: each task goes to the rank after the previous one's
  // (the turn carries on from earlier applies; root comes after the last worker).
  if (pool().is_root())
    for (int i = 1; i < 2 * P; ++i) EXPECT_EQ(who[static_cast<std::size_t>(i)], (who[0] + i) % P) << "task " << i;
}

TEST(Apply, TutorialLoopOfApplyAsyncOverParts) {
  std::vector<long> numbers(10000);
  std::iota(numbers.begin(), numbers.end(), 1L);
  const auto parts = hmp::split(numbers, static_cast<std::size_t>(pool().size()));
  std::vector<hmp::AsyncResult<long>> results;
  for (const auto& part : parts)
    results.push_back(pool().apply_async([](const std::vector<long>& p) { return std::accumulate(p.begin(), p.end(), 0L); }, part));
  long total = 0;
  for (auto& r : results) total += r.get();
  if (pool().is_root()) EXPECT_EQ(total, 50005000L);
}

TEST(Apply, CallbacksRunOnRootInOrder) {
  std::vector<int> order;
  std::vector<hmp::AsyncResult<int>> rs;
  for (int i = 0; i < 6; ++i)
    rs.push_back(pool().apply_async([](int x) { return x * x; }, i, hmp::callback([&order](const int& v) { order.push_back(v); })));
  for (auto& r : rs) r.get();
  if (pool().is_root())
    EXPECT_EQ(order, (std::vector<int>{0, 1, 4, 9, 16, 25}));
  else
    EXPECT_TRUE(order.empty());
}

TEST(Apply, ErrorsAreCollective) {
  int error_callbacks = 0;
  auto r = pool().apply_async([](int x) -> int { throw std::out_of_range("index " + std::to_string(x)); }, 5,
                              hmp::error_callback([&](const hmp::TaskError& e) {
                                EXPECT_EQ(e.message(), "index 5");
                                ++error_callbacks;
                              }));
  try {
    r.get();
    ADD_FAILURE() << "no TaskError";
  } catch (const hmp::TaskError& e) {
    EXPECT_EQ(e.type_name(), "std::out_of_range");
  }
  EXPECT_FALSE(r.successful());
  EXPECT_EQ(error_callbacks, pool().is_root() ? 1 : 0);
  EXPECT_THROW(pool().apply([] { return std::string().at(3); }), hmp::TaskError);
  EXPECT_EQ(pool().apply([] { return 1; }), pool().is_root() ? 1 : 0);  // still usable
}

TEST(Apply, TimeoutThenLaterGet) {
  if (pool().size() < 2) GTEST_SKIP() << "needs 2 ranks: with one, root runs the task inside get()";
  auto r = pool().apply_async([] {
    std::this_thread::sleep_for(300ms);
    return 7;
  });
  if (pool().is_root()) EXPECT_THROW(r.get(10ms), hmp::TimeoutError);
  const int v = r.get();
  if (pool().is_root()) EXPECT_EQ(v, 7);
  EXPECT_TRUE(r.successful());
}

}  // namespace
