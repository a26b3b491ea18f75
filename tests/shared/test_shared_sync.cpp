// Value / RawValue atomics and Lock, RLock, Semaphore, Barrier, Event across
// all ranks (shared-window atomics on one node, MPI RMA across nodes).
#include <gtest/gtest.h>
#include <hmp/barrier.hpp>
#include <hmp/event.hpp>
#include <hmp/lock.hpp>
#include <hmp/rlock.hpp>
#include <hmp/runtime.hpp>
#include <hmp/semaphore.hpp>
#include <hmp/shared_array.hpp>
#include <hmp/value.hpp>

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

hmp::Runtime& rt() { return hmp::Runtime::current(); }

// Loop counts: the one-node count, or a smaller one when the job spans
// nodes, where every operation is a network round trip (the assertions stay
// exact either way; speed is measured by apps/bench/hmp-bench-sync).
long per_rank(long one_node, long several_nodes) {
  return rt().topology().nodes == 1 ? one_node : several_nodes;
}

long sum_over_world(long v) {
  long out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_LONG, MPI_SUM, rt().world().native());
  return out;
}

TEST(Value, OneValueForTheWholeJob) {
  hmp::RawValue<long> v(rt(), 5);
  EXPECT_EQ(v.single_node(), rt().topology().nodes == 1);
  EXPECT_EQ(v.value(), 5);
  rt().world().barrier();
  if (rt().rank() == rt().size() - 1) v.set_value(42);  // written on the last node
  rt().world().barrier();
  EXPECT_EQ(v.value(), 42);
}

TEST(Value, FetchAddLosesNothing) {
  const long M = per_rank(2000, 250);
  hmp::RawValue<long> v(rt(), 0);
  hmp::Value<double> d(rt(), 0.0);
  for (long k = 0; k < M; ++k) {
    v.fetch_add(1);
    d.fetch_add(0.5);  // halves add exactly
  }
  rt().world().barrier();
  EXPECT_EQ(v.load(), M * rt().size());
  EXPECT_EQ(d.load(), 0.5 * static_cast<double>(M * rt().size()));
  rt().world().barrier();
  v.fetch_sub(1);
  rt().world().barrier();
  EXPECT_EQ(v.load(), M * rt().size() - rt().size());
}

TEST(Value, CompareExchangeHasExactlyOneWinner) {
  hmp::RawValue<int> v(rt(), 0);
  int expected = 0;
  const bool won = v.compare_exchange(expected, rt().rank() + 1);
  if (!won) {
    EXPECT_GT(expected, 0) << "a failed exchange must report the value found";
  }
  const long winners = sum_over_world(won ? 1 : 0);
  EXPECT_EQ(winners, 1);
  long winner = won ? rt().rank() + 1 : 0;
  winner = sum_over_world(winner);
  EXPECT_EQ(v.load(), winner);
}

TEST(Value, GetLockMakesReadModifyWriteAtomic) {
  const int M = 300;
  hmp::Value<long> v(rt(), 0);
  for (int k = 0; k < M; ++k) {
    std::lock_guard<hmp::Lock> guard(v.get_lock());
    v.set_value(v.value() + 1);  // two separate calls: only the lock makes this safe
  }
  rt().world().barrier();
  EXPECT_EQ(v.value(), static_cast<long>(M) * rt().size());
}

// Across nodes a Value's number stays on the node that holds its lock
// (detail/node_value_cache.hpp): calls without the lock, and reads right
// after a release, must still see every locked write.
TEST(Value, CallsWithoutTheLockSeeLockedWrites) {
  const int M = static_cast<int>(per_rank(400, 60));
  hmp::Value<long> v(rt(), 0);
  long lowest_after_mine = 0;  // what this rank's last locked write left
  int missed = 0;
  for (int k = 0; k < M; ++k) {
    if (k % 2 == 0) {
      std::lock_guard<hmp::Lock> guard(v.get_lock());
      lowest_after_mine = v.value() + 1;
      v.set_value(lowest_after_mine);
    } else {
      v.fetch_add(1);  // no lock held: takes it for the call
    }
    // Others only add: a read after the release sees at least this rank's write.
    if (v.load() < lowest_after_mine) ++missed;
  }
  EXPECT_EQ(missed, 0) << "reads missed this rank's own locked writes";
  rt().world().barrier();
  const long total = static_cast<long>(M) * rt().size();
  long expected = 0;
  EXPECT_FALSE(v.compare_exchange(expected, -1)) << "the value is the total, not 0";
  EXPECT_EQ(expected, total);
  EXPECT_EQ(v.value(), total);
  rt().world().barrier();
  if (rt().rank() == rt().size() - 1) EXPECT_EQ(v.exchange(7), total);  // on the last node
  rt().world().barrier();
  EXPECT_EQ(v.load(), 7);
}

TEST(Lock, CounterUnderLockLosesNothing) {
  const long M = per_rank(10000, 300);
  hmp::Lock lock(rt());
  hmp::RawValue<int> inside(rt(), 0);           // ranks in the critical section now
  hmp::SharedArray<long> node_counter(rt(), 1);  // plain memory, one per node
  long overlaps = 0;
  for (long k = 0; k < M; ++k) {
    lock.acquire();
    if (inside.fetch_add(1) != 0) ++overlaps;
    node_counter.sync();
    node_counter[0] = node_counter[0] + 1;  // not atomic: only the lock protects it
    node_counter.sync();
    inside.fetch_add(-1);
    lock.release();
  }
  node_counter.fence();
  EXPECT_EQ(overlaps, 0) << "two ranks were inside the lock at once";
  EXPECT_EQ(node_counter[0], M * rt().topology().ranks_per_node);
  rt().world().barrier();
}

TEST(Lock, AcquireTimesOutWhileHeldAndReleaseUnheldThrows) {
  hmp::Lock lock(rt());
  EXPECT_THROW(lock.release(), hmp::UsageError);  // nobody holds it
  rt().world().barrier();
  if (rt().is_root()) {
    ASSERT_TRUE(lock.acquire(5s)) << "rank 0 could not take a free lock in 5 s";
  }
  rt().world().barrier();
  EXPECT_TRUE(lock.locked());
  EXPECT_FALSE(lock.acquire(false));  // held (by root; not reentrant on root either)
  EXPECT_FALSE(lock.acquire(20ms));
  if (!rt().is_root()) {
    EXPECT_THROW(lock.release(), hmp::UsageError);  // held by another rank
  }
  EXPECT_EQ(lock.held_by_me(), rt().is_root());
  rt().world().barrier();
  if (rt().is_root()) lock.release();
  rt().world().barrier();
  EXPECT_FALSE(lock.locked());
  EXPECT_THROW(lock.acquire(false, 1s), hmp::UsageError);
  EXPECT_THROW(lock.acquire(-1s), hmp::UsageError);
}

// Busy work outside MPI: RMA aimed at this rank does not move meanwhile
// (osc pt2pt over TCP progresses only inside MPI calls).
void compute_outside_mpi(std::chrono::microseconds how_long) {
  const auto until = std::chrono::steady_clock::now() + how_long;
  volatile double x = 1;
  while (std::chrono::steady_clock::now() < until) x = x * 1.0000001;
}

// The holder (rank 0, where the cross-node words live, or the last rank, on
// the last node) computes outside MPI while every other rank waits: each
// still gets the lock after the release, and counts stay exact.
class LockWhileHolderComputes : public ::testing::TestWithParam<bool> {};

TEST_P(LockWhileHolderComputes, WaitersGetItAfterTheRelease) {
  const int holder = GetParam() ? rt().size() - 1 : 0;
  const long rounds = 20;
  hmp::Lock lock(rt());
  hmp::RawValue<long> count(rt(), 0);
  hmp::RawValue<int> released(rt(), 0);
  if (rt().rank() == holder) {
    ASSERT_TRUE(lock.acquire(10s)) << "rank " << holder << " could not take a free lock in 10 s";
  }
  rt().world().barrier();
  if (rt().rank() == holder) {
    compute_outside_mpi(100ms);
    released.store(1);
    lock.release();
  } else {
    ASSERT_TRUE(lock.acquire(60s)) << "rank " << rt().rank() << " waited 60 s for the lock rank " << holder
                                   << " released after computing";
    EXPECT_EQ(released.load(), 1) << "rank " << rt().rank() << " got the lock before its holder released it";
    count.set_value(count.value() + 1);
    lock.release();
  }
  for (long k = 0; k < rounds; ++k) {
    std::lock_guard<hmp::Lock> guard(lock);
    count.set_value(count.value() + 1);  // two calls: only the lock makes this safe
    compute_outside_mpi(200us);
  }
  rt().world().barrier();
  EXPECT_EQ(count.load(), rt().size() - 1 + rounds * rt().size());
  EXPECT_FALSE(lock.locked());
}

INSTANTIATE_TEST_SUITE_P(Holder, LockWhileHolderComputes, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "LastRank" : "RankZero"; });

// Waits that time out while the lock is handed from rank to rank of a node
// (see detail/cohort_lock.hpp) must never leave it held by nobody.
TEST(Lock, TimedOutWaitersNeverStrandIt) {
  hmp::Lock lock(rt());
  hmp::RawValue<long> taken(rt(), 0);
  long mine = 0;
  for (long k = 0; k < per_rank(100, 60); ++k) {
    const auto timeout = std::chrono::microseconds((k * 37 + rt().rank() * 101) % 400);
    if (!lock.acquire(timeout)) continue;
    ++mine;
    taken.fetch_add(1);
    compute_outside_mpi(50us);
    lock.release();
  }
  rt().world().barrier();
  EXPECT_EQ(taken.load(), sum_over_world(mine));
  EXPECT_FALSE(lock.locked()) << "every rank released, yet the lock is held";
  rt().world().barrier();
  ASSERT_TRUE(lock.acquire(10s)) << "rank " << rt().rank() << " waited 10 s for a lock nobody holds";
  lock.release();
}

// While the ranks of one node keep passing the lock among themselves, a
// rank of another node still gets it (hand-overs inside a node are bounded).
TEST(Lock, OtherNodesGetItWhileANodeKeepsPassingIt) {
  hmp::Lock lock(rt());
  hmp::RawValue<int> outsider_got(rt(), 0);
  const bool on_first_node = rt().topology().node_index == 0;
  const bool outsider = rt().rank() == rt().size() - 1 && !on_first_node;
  rt().world().barrier();
  if (outsider) {
    ASSERT_TRUE(lock.acquire(60s)) << "rank " << rt().rank() << " waited 60 s while node 0 passed the lock around";
    outsider_got.store(1);
    lock.release();
  } else if (on_first_node && rt().topology().nodes > 1) {
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (outsider_got.load() == 0 && std::chrono::steady_clock::now() < give_up) {
      std::lock_guard<hmp::Lock> guard(lock);
      compute_outside_mpi(20us);
    }
  }
  rt().world().barrier();
  EXPECT_EQ(outsider_got.load(), rt().topology().nodes > 1 ? 1 : 0);
}

TEST(RLock, ReentrantForItsOwnerOnly) {
  hmp::RLock lock(rt());
  if (rt().is_root()) {
    EXPECT_TRUE(lock.acquire());
    EXPECT_TRUE(lock.acquire());
    EXPECT_TRUE(lock.acquire(false));
    EXPECT_EQ(lock.depth(), 3);
  }
  rt().world().barrier();
  if (!rt().is_root()) {
    EXPECT_FALSE(lock.acquire(10ms));
    EXPECT_THROW(lock.release(), hmp::UsageError);
  } else if (rt().topology().nodes == 1) {
    // Another thread of the owning rank is another owner: it must wait.
    bool other_got = true;
    std::thread t([&] { other_got = lock.acquire(10ms); });
    t.join();
    EXPECT_FALSE(other_got);
  }
  rt().world().barrier();
  if (rt().is_root()) {
    lock.release();
    lock.release();
    EXPECT_EQ(lock.depth(), 1);
    lock.release();
    EXPECT_EQ(lock.depth(), 0);
    EXPECT_THROW(lock.release(), hmp::UsageError);
  }
  rt().world().barrier();
  // Free again: every rank takes it in turn.
  ASSERT_TRUE(lock.acquire(10s)) << "rank " << rt().rank() << " waited 10 s for a released RLock";
  lock.release();
}

TEST(Semaphore, NeverMoreHoldersThanItsValue) {
  const long K = per_rank(200, 50);
  hmp::Semaphore sem(rt(), 2);
  hmp::RawValue<long> holders(rt(), 0), most(rt(), 0);
  for (long k = 0; k < K; ++k) {
    ASSERT_TRUE(sem.acquire(20s)) << "rank " << rt().rank() << " waited 20 s for the semaphore";
    const long now = holders.fetch_add(1) + 1;
    long seen = most.load();
    while (now > seen && !most.compare_exchange(seen, now)) {
    }
    std::this_thread::yield();
    holders.fetch_add(-1);
    sem.release();
  }
  rt().world().barrier();
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
  EXPECT_EQ(sem.get_value(), 2);
  EXPECT_EQ(holders.load(), 0);
}

TEST(Semaphore, ZeroBlocksUntilReleased) {
  hmp::Semaphore sem(rt(), 0);
  EXPECT_FALSE(sem.acquire(10ms));
  EXPECT_FALSE(sem.acquire(false));
  rt().world().barrier();
  if (rt().is_root()) sem.release(rt().size());
  ASSERT_TRUE(sem.acquire(10s)) << "rank " << rt().rank() << " waited 10 s after root released";
  rt().world().barrier();
  EXPECT_EQ(sem.get_value(), 0);
  EXPECT_THROW(hmp::Semaphore(rt(), -1), hmp::UsageError);
  EXPECT_THROW(sem.release(0), hmp::UsageError);
}

TEST(Barrier, NobodyLeavesEarly) {
  hmp::Barrier barrier(rt());
  hmp::RawValue<long> arrived(rt(), 0);
  const int rounds = 5;
  long early = 0;
  std::vector<int> indices;
  for (int r = 1; r <= rounds; ++r) {
    if (rt().rank() == r % rt().size()) std::this_thread::sleep_for(5ms);  // a late comer
    arrived.fetch_add(1);
    indices.push_back(barrier.wait(10s));
    if (arrived.load() < static_cast<long>(r) * rt().size()) ++early;
  }
  EXPECT_EQ(early, 0);
  // Arrival indices of one round are a permutation of 0..parties-1.
  std::vector<int> all(indices.size() * static_cast<std::size_t>(rt().size()));
  MPI_Allgather(indices.data(), rounds, MPI_INT, all.data(), rounds, MPI_INT, rt().world().native());
  for (int r = 0; r < rounds; ++r) {
    std::vector<int> round;
    for (int p = 0; p < rt().size(); ++p) round.push_back(all[static_cast<std::size_t>(p * rounds + r)]);
    std::sort(round.begin(), round.end());
    for (int p = 0; p < rt().size(); ++p) EXPECT_EQ(round[static_cast<std::size_t>(p)], p) << "round " << r;
  }
  EXPECT_EQ(barrier.parties(), rt().size());
  EXPECT_FALSE(barrier.broken());
}

TEST(Barrier, TimeoutBreaksIt) {
  hmp::Barrier barrier(rt(), rt().size() + 1);  // one party never comes
  EXPECT_THROW(barrier.wait(30ms), hmp::BrokenBarrierError);
  rt().world().barrier();
  EXPECT_TRUE(barrier.broken());
  EXPECT_THROW(barrier.wait(1s), hmp::BrokenBarrierError);
}

TEST(Event, WaitersReleasedOnlyBySet) {
  hmp::Event event(rt());
  hmp::RawValue<int> before_set(rt(), 0);
  EXPECT_FALSE(event.is_set());
  EXPECT_FALSE(event.wait(10ms));
  rt().world().barrier();
  const bool setter = rt().rank() == rt().size() - 1;
  if (setter) {
    std::this_thread::sleep_for(10ms);
    before_set.store(1);
    event.set();
  }
  ASSERT_TRUE(event.wait(10s)) << "rank " << rt().rank() << " waited 10 s for the event";
  EXPECT_EQ(before_set.load(), 1) << "released before set()";
  EXPECT_TRUE(event.is_set());
  rt().world().barrier();
  if (rt().is_root()) event.clear();
  rt().world().barrier();
  EXPECT_FALSE(event.is_set());
  EXPECT_FALSE(event.wait(5ms));
}

}  // namespace
