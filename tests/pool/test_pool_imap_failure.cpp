// imap / imap_unordered after a task fails: root's loop yields only results
// that were computed (in input order for imap), then TaskError is raised on
// every rank. A value the task never produced (a default-constructed slot of
// the failed item or of items after it) must never reach the loop.
#include <gtest/gtest.h>
#include <hmp/pool.hpp>

#include "pool_fixture.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using hmp_test::iota;
using hmp_test::pool;

// Every computed result is odd, so a default-constructed int (0) is visible.
int computed(int x) { return 2 * x + 1; }

// The failing rank: 2 as in the report, else the last one.
int failing_rank() { return std::min(2, pool().size() - 1); }

// Whether the failing rank ran a task of the current call (it may get none
// when other ranks claim everything first).
std::atomic<bool> g_failing_rank_ran{false};

// Fails on `bad_item`, or (bad_item < 0) on every task of the failing rank.
auto failing_task(int bad_item) {
  return [bad_item](int x) {
    if (bad_item < 0 && hmp::Runtime::current().rank() == failing_rank()) {
      g_failing_rank_ran = true;
      throw std::runtime_error("bad rank");
    }
    if (x == bad_item) throw std::runtime_error("bad item");
    // A few µs of work (not a sleep: a sleeping thread of an oversubscribed
    // rank may get its core back ms later), so every rank claims some.
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(5);
    while (std::chrono::steady_clock::now() < until) {
    }
    return computed(x);
  };
}

// Whether the call must fail: always with a bad item, else when the failing
// rank ran a task (agreed on every rank).
bool must_fail(int bad_item) {
  int ran = g_failing_rank_ran.exchange(false) ? 1 : 0, any = 0;
  MPI_Allreduce(&ran, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return bad_item >= 0 || any;
}

constexpr int kItems = 200;
constexpr int kRounds = 4;

// Drives one imap loop; returns the (index, value) pairs root saw before TaskError.
template <class Result>
std::vector<std::pair<std::size_t, int>> drain(Result&& result, bool& raised) {
  std::vector<std::pair<std::size_t, int>> seen;
  raised = false;
  try {
    for (auto it = result.begin(); it != result.end(); ++it) seen.emplace_back(it.index(), *it);
  } catch (const hmp::TaskError&) {
    raised = true;
  }
  return seen;
}

void expect_only_computed(const std::vector<std::pair<std::size_t, int>>& seen, bool ordered, int bad_item) {
  for (std::size_t k = 0; k < seen.size(); ++k) {
    const auto [i, v] = seen[k];
    ASSERT_EQ(v, computed(static_cast<int>(i))) << "item " << i << " yielded a value its task never returned";
    if (ordered) ASSERT_EQ(i, k) << "imap yielded out of input order";
    if (bad_item >= 0) ASSERT_NE(static_cast<int>(i), bad_item) << "the failed item was yielded";
    if (bad_item >= 0 && ordered) ASSERT_LT(static_cast<int>(i), bad_item) << "imap yielded past the failure";
  }
}

void check(bool ordered, std::size_t chunksize, int bad_item) {
  const auto in = iota(kItems);
  for (int round = 0; round < kRounds; ++round) {
    bool raised = false;
    auto task = failing_task(bad_item);
    const auto seen = ordered ? drain(pool().imap(task, in, chunksize), raised)
                              : drain(pool().imap_unordered(task, in, chunksize), raised);
    const bool fail = must_fail(bad_item);
    ASSERT_EQ(raised, fail) << "round " << round;
    if (pool().is_root() && !fail) ASSERT_EQ(seen.size(), in.size()) << "round " << round;
    if (!pool().is_root()) {
      ASSERT_TRUE(seen.empty());
      continue;
    }
    expect_only_computed(seen, ordered, bad_item);
  }
}

TEST(ImapAfterFailure, ImapYieldsOnlyComputedResultsInOrder) {
  check(true, 1, kItems / 2);
  check(true, 7, kItems / 2);
  check(true, 1, -1);
}

TEST(ImapAfterFailure, ImapUnorderedYieldsOnlyComputedResults) {
  check(false, 1, kItems / 2);
  check(false, 7, kItems / 2);
  check(false, 1, -1);
}

}  // namespace
