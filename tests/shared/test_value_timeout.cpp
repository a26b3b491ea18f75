// A Value's call that waits too long for the Value's lock: it gives up
// after HMP_WAIT_TIMEOUT with a message saying which rank waited how long,
// for what, who holds it, and that HMP_WAIT_TIMEOUT sets the limit. The
// limit is read once per process, so this suite runs alone, with
// HMP_WAIT_TIMEOUT=2 in its environment (tests/shared/CMakeLists.txt).
#include <gtest/gtest.h>
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>
#include <hmp/value.hpp>

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace {

hmp::Runtime& rt() { return hmp::Runtime::current(); }

int sum_over_world(int v) {
  int out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_INT, MPI_SUM, rt().world().native());
  return out;
}

// The message a waiter must get, written out here, not taken from the code.
std::string expected_message(int holder, bool holder_on_my_node) {
  const std::string me = std::to_string(rt().rank());
  const std::string who = holder_on_my_node ? "rank " + std::to_string(holder) : "a rank of another node";
  return "hmp: rank " + me + " waited 2.0 s for the lock every call of a hmp::Value takes (its holder: the lock is held by " +
         who + ", not by this rank " + me +
         "); does the holder compute that long, or is it gone? (HMP_WAIT_TIMEOUT sets the limit)";
}

// The last rank (on the last node) holds the lock past the limit; every
// other rank's call throws, changes nothing, and the job ends cleanly once
// the holder releases.
TEST(ValueTimeout, CallWaitingPastTheLimitThrowsNamingWaiterAndHolder) {
  const char* limit = std::getenv("HMP_WAIT_TIMEOUT");
  ASSERT_TRUE(limit && std::string(limit) == "2") << "run with HMP_WAIT_TIMEOUT=2 (see tests/shared/CMakeLists.txt)";
  ASSERT_GE(rt().size(), 2) << "needs a holder and a waiter";
  const int holder = rt().size() - 1;
  int holder_node = rt().topology().node_index;
  MPI_Bcast(&holder_node, 1, MPI_INT, holder, rt().world().native());

  hmp::Value<long> v(rt(), 0);
  if (rt().rank() == holder) {
    ASSERT_TRUE(v.get_lock().acquire(std::chrono::seconds(10))) << "the holder could not take a free lock";
    v.set_value(41);  // inside its own hold: taken once, not again
  }
  rt().world().barrier();

  int threw = 0;
  if (rt().rank() == holder) {
    EXPECT_TRUE(v.get_lock().held_by_me());
    EXPECT_EQ(v.value(), 41);
  } else {
    const auto start = std::chrono::steady_clock::now();
    try {
      v.fetch_add(1);
      ADD_FAILURE() << "rank " << rt().rank() << " changed the Value while rank " << holder << " held its lock";
    } catch (const hmp::TimeoutError& e) {
      threw = 1;
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_GE(waited, 2.0) << "gave up before the limit";
      EXPECT_EQ(std::string(e.what()), expected_message(holder, rt().topology().node_index == holder_node));
    }
    EXPECT_FALSE(v.get_lock().held_by_me());
  }
  // The holder waits here, inside MPI, until every other rank gave up.
  EXPECT_EQ(sum_over_world(threw), rt().size() - 1) << "every rank but the holder must have timed out";
  if (rt().rank() == holder) v.get_lock().release();
  rt().world().barrier();
  EXPECT_EQ(v.value(), 41) << "a call that timed out changed the value";
  rt().world().barrier();
  EXPECT_FALSE(v.get_lock().locked());
}

}  // namespace
