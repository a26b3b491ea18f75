// Chapter "Processes, threads, semaphores and locks": a Value's read-modify-
// write under its Lock, atomic fetch_add, and a Semaphore letting at most two
// ranks into a section at once. These objects span every rank of the job.
#include <hmp/barrier.hpp>
#include <hmp/lock.hpp>
#include <hmp/semaphore.hpp>
#include <hmp/value.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  constexpr int increments = 1000;

  // Construction is collective: every rank makes the same objects in the same order.
  hmp::Value<std::int64_t> locked_counter(rt, 0);
  hmp::RawValue<std::int64_t> atomic_counter(rt, 0);
  hmp::Semaphore two_at_a_time(rt, 2);
  hmp::RawValue<std::int32_t> inside(rt, 0), most_inside(rt, 0);
  hmp::Barrier everyone(rt);

  for (int k = 0; k < increments; ++k) {
    // load + store is two operations: without the lock two ranks could read
    // the same value and one increment would be lost (Python's `v.value += 1`).
    std::lock_guard hold(locked_counter.get_lock());
    locked_counter.store(locked_counter.load() + 1);
  }
  for (int k = 0; k < increments; ++k) atomic_counter.fetch_add(1);  // one atomic operation

  for (int k = 0; k < 5; ++k) {
    std::lock_guard section(two_at_a_time);  // acquire ... release
    const std::int32_t now = inside.fetch_add(1) + 1;
    std::int32_t seen = most_inside.load();
    while (now > seen && !most_inside.compare_exchange(seen, now)) {}
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    inside.fetch_sub(1);
  }

  everyone.wait();  // every rank has finished its increments
  if (rt.is_root()) {
    std::printf("with the lock: counter = %lld (%d ranks x %d increments)\n",
                static_cast<long long>(locked_counter.value()), rt.size(), increments);
    std::printf("atomic:        counter = %lld\n", static_cast<long long>(atomic_counter.value()));
    std::printf("semaphore(2):  at most %s ranks were inside at once\n", most_inside.value() <= 2 ? "2" : "MORE THAN 2");
  }
  everyone.wait();  // nobody destroys the shared objects while root still reads them
}
