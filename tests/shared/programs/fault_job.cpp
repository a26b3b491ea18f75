// A job that makes every kind of shared object (SharedArray, Array, Value,
// Lock, Pool, named SharedMemory on every rank), checks that none but the
// named ones can still be opened by name, then runs rounds of maps and
// locked increments, each checked against its known value, and ends as
// MODE says. Driven by tests/shared/check_leaks.sh and tests/shared/soak.sh.
//
// usage: fault_job MODE [RANK]
//   normal      3 rounds, then exit 0
//   exception R rank R throws an uncaught exception in round 2 (the others
//               are in a map or a lock then)
//   hang        rounds until killed (the script sends SIGTERM or kill -9)
//   taskerror   a map whose task fails on one item: TaskError on every rank,
//               then a correct round
//   timeout     lock and result waits that time out, then a correct round
// Prints "job ID MPIRUN_PID TAG" (root), "pid RANK PID", "created NAME",
// "mapping" (root, after round 1), "ok" (root, at a normal end); any
// "wrong:" or "named mapping:" line is a failure.
#include <hmp/array.hpp>
#include <hmp/lock.hpp>
#include <hmp/pool.hpp>
#include <hmp/shared_array.hpp>
#include <hmp/shared_memory.hpp>
#include <hmp/shared_memory_manager.hpp>
#include <hmp/value.hpp>

#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// Shared file mappings of this process that still have a name.
std::set<std::string> named_shared_mappings() {
  std::set<std::string> out;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const bool shared = line.size() > 25 && line.find(" rw-s ") != std::string::npos;
    const bool segment = path.rfind("/dev/shm/", 0) == 0 || path.find("/ompi.") != std::string::npos;
    if (shared && segment && path.find("(deleted)") == std::string::npos) out.insert(path);
  }
  return out;
}

std::uint64_t squares_below(std::uint64_t n) { return (n - 1) * n * (2 * n - 1) / 6; }

struct Objects {
  hmp::SharedArray<double> array;
  hmp::Array<int> locked_array;
  hmp::Value<long> counter;
  hmp::Pool pool;
  Objects(hmp::Runtime& rt)
      : array(rt, 1 << 16), locked_array(rt, 1000, hmp::Placement::split), counter(rt, 0), pool(rt) {}
};

// One round: a map of squares, 50 locked increments per rank, an array
// filled by root and read by all. Root says "wrong:" on any mismatch.
void round(hmp::Runtime& rt, Objects& o, int index, int throw_on_rank) {
  std::vector<std::uint64_t> items(1000);
  std::iota(items.begin(), items.end(), 0);
  const auto squares = o.pool.map([](std::uint64_t x) { return x * x; }, items);
  if (rt.is_root() && std::accumulate(squares.begin(), squares.end(), std::uint64_t{0}) != squares_below(1000))
    say("wrong: map of squares");
  if (index == 2 && rt.rank() == throw_on_rank) throw std::runtime_error("uncaught on rank " + std::to_string(rt.rank()));
  for (int k = 0; k < 50; ++k) {
    std::lock_guard guard(o.counter.get_lock());
    o.counter.store(o.counter.load() + 1);
  }
  rt.world().barrier();
  if (o.counter.load() != 50L * rt.size() * (index + 1)) say("wrong: locked increments on rank " + std::to_string(rt.rank()));
  if (rt.is_root())
    for (std::size_t i = 0; i < o.array.size(); ++i) o.array[i] = static_cast<double>(i + index);
  o.array.broadcast_from_root();
  double sum = 0;
  for (double x : o.array) sum += x;
  const double n = static_cast<double>(o.array.size());
  if (sum != n * (n - 1) / 2 + n * index) say("wrong: shared array on rank " + std::to_string(rt.rank()));
  rt.world().barrier();
}

void task_error_round(hmp::Runtime& rt, Objects& o) {
  std::vector<int> items(200);
  std::iota(items.begin(), items.end(), 0);
  bool raised = false;
  try {
    o.pool.map([](int x) { return x == 123 ? throw std::runtime_error("task 123 fails") : x; }, items);
  } catch (const hmp::TaskError&) {
    raised = true;
  }
  if (!raised) say("wrong: no TaskError on rank " + std::to_string(rt.rank()));
}

void timeout_round(hmp::Runtime& rt, Objects& o) {
  auto& lock = o.counter.get_lock();
  if (rt.is_root()) lock.acquire();
  rt.world().barrier();
  if (!rt.is_root() && lock.acquire(hmp::Seconds(0.05))) say("wrong: acquired a held lock on rank " + std::to_string(rt.rank()));
  rt.world().barrier();
  if (rt.is_root()) lock.release();
  std::vector<int> items(4 * rt.size());
  std::iota(items.begin(), items.end(), 0);
  auto slow = o.pool.map_async([](int x) { std::this_thread::sleep_for(std::chrono::milliseconds(20)); return x; }, items);
  if (rt.is_root()) {
    bool timed_out = false;
    try {
      slow.get(std::chrono::milliseconds(1));
    } catch (const hmp::TimeoutError&) {
      timed_out = true;
    }
    if (!timed_out) say("wrong: get(1 ms) of a slow map did not time out");
  }
  const auto& got = slow.get();
  if (rt.is_root() && std::accumulate(got.begin(), got.end(), 0) != std::accumulate(items.begin(), items.end(), 0))
    say("wrong: slow map's result");
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  const std::string mode = argc > 1 ? argv[1] : "normal";
  const int throw_on = mode == "exception" && argc > 2 ? std::atoi(argv[2]) : -1;
  int root_pid = static_cast<int>(getpid());
  MPI_Bcast(&root_pid, 1, MPI_INT, 0, rt.world().native());
  const std::string tag = "hmp-leak-" + std::to_string(root_pid);
  if (rt.is_root()) {
    const char* job = std::getenv("OMPI_MCA_ess_base_jobid");
    say("job " + std::string(job ? job : "0") + " " + std::to_string(getppid()) + " " + tag);
  }
  say("pid " + std::to_string(rt.rank()) + " " + std::to_string(getpid()));
  const auto before = named_shared_mappings();
  Objects objects(rt);
  hmp::SharedMemoryManager manager;
  auto loose = hmp::SharedMemory::create(tag + "-r" + std::to_string(rt.rank()), 4096);  // never unlinked here
  say("created " + loose.name());
  if (rt.is_root()) say("created " + manager.create(tag + "-managed", 4096).name());
  for (const auto& path : named_shared_mappings())
    if (!before.count(path) && path.find(tag) == std::string::npos) say("named mapping: " + path);
  rt.world().barrier();
  if (mode == "taskerror") task_error_round(rt, objects);
  if (mode == "timeout") timeout_round(rt, objects);
  for (int i = 0; mode == "hang" || i < 3; ++i) {
    round(rt, objects, i, throw_on);
    if (i == 0 && rt.is_root()) say("mapping");
  }
  if (rt.is_root()) say("ok");
  return 0;
}
