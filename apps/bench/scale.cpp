// hmp-bench-scale: one scenario of the scale study (jobs/studies/scale-sim.json),
// made for simulated jobs of thousands of ranks (-DHMP_SMPI=ON, run by
// `hmp-sweep simulate` or python3 -m hmp_tools.sweep.smpi) and runnable under
// mpirun too. Root prints one JSON line and, with --records, appends a run
// record (docs/design.md, "Records"). Its methods (--method):
//   map          the pool's map over --items tasks of --task-us each
//                (simulated: smpi_execute; real: a busy wait), one schedule;
//   shared_array creating a SharedArray of --items doubles per node;
//   lock         a Lock taken and released once by every rank;
//   task_error   a map where one task throws: when every rank has the
//                TaskError, and whether all got the same one.
// Times are MPI_Wtime's: simulated seconds under SMPI.
#include <common/records.hpp>
#include <common/timing.hpp>
#include <common/start_runtime.hpp>

#include <hmp/lock.hpp>
#include <hmp/pool.hpp>
#include <hmp/runtime.hpp>
#include <hmp/shared_array.hpp>
#include <hmp/value.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string method = "map";
  std::string schedule = "default";
  std::size_t chunksize = 0;  // 0: the schedule's own (dynamic: 4 chunks a worker of n / (4 x workers); guided: 1)
  std::size_t items = 10000;
  double task_us = 0;
  int repeat = 3;
  int warmup = 0;
  std::string records;
};

// What a method measured: the seconds of each timed repeat, whether its own
// check held, and the fields it adds to the record.
struct Outcome {
  hmp::apps::Timing timing;
  bool passed = true;
  nlohmann::json fields = nlohmann::json::object();
};

// A task's fixed cost: simulated time under SMPI, a busy wait otherwise.
// Benched: SMPI times the host's computation between MPI calls by the
// thread's CPU clock, which every simulated rank shares; a plain
// smpi_execute inside that stretch would add the other ranks' host time to
// this one's (200 us more per task at 64 ranks).
void spend(double us) {
  if (us <= 0) return;
#ifdef HMP_SMPI
  smpi_execute_benched(us * 1e-6);
#else
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(us);
  while (std::chrono::steady_clock::now() < until) {
  }
#endif
}

hmp::MapOptions map_options(const std::string& schedule, std::size_t chunksize) {
  static const std::map<std::string, hmp::Schedule> kinds{{"static_cyclic", hmp::Schedule::static_cyclic()},
                                                          {"static_block", hmp::Schedule::static_block()},
                                                          {"dynamic", hmp::Schedule::dynamic()},
                                                          {"guided", hmp::Schedule::guided()}};
  hmp::MapOptions o;
  if (schedule != "default") o.schedule = kinds.at(schedule);
  o.chunksize = chunksize;
  return o;
}

// Every rank agrees that `mine` held on all ranks.
bool everywhere(const hmp::Runtime& rt, bool mine) {
  int in = mine, all = 0;
  MPI_Allreduce(&in, &all, 1, MPI_INT, MPI_MIN, rt.world().native());
  return all == 1;
}

hmp::apps::Timing repeats(const hmp::Runtime& rt, const Options& o, const std::function<void()>& body) {
  return hmp::apps::time_repeats(rt.world(), o.warmup, o.repeat, [&](hmp::apps::Busy&) { body(); });
}

// The map's efficiency against the ideal items x task_us / ranks, and the
// rank-time lost per task: (makespan - ideal) x ranks / items.
nlohmann::json map_figures(double makespan, const Options& o, int ranks) {
  const double ideal = static_cast<double>(o.items) * o.task_us * 1e-6 / ranks;
  return {{"ideal_s", ideal},
          {"efficiency", makespan > 0 ? ideal / makespan : 0.0},
          {"overhead_us_per_task", (makespan - ideal) * ranks / static_cast<double>(o.items) * 1e6}};
}

Outcome run_map(hmp::Runtime& rt, const Options& o) {
  hmp::Pool pool(rt);
  const auto options = map_options(o.schedule, o.chunksize);
  // Each repeat's results are checked and freed after the timed repeats:
  // neither is the map's (at 1,024 simulated ranks root's check of 10^6
  // results and the free of their 8 MB were 1 ms of simulated time).
  std::vector<std::vector<std::size_t>> results;
  Outcome out;
  out.timing = repeats(rt, o, [&] {
    results.push_back(pool.map([us = o.task_us](std::size_t i) { spend(us); return i; },
                               std::views::iota(std::size_t{0}, o.items), options));
  });
  bool right = true;
  if (rt.is_root())
    for (const auto& got : results)
      for (std::size_t i = 0; i < o.items; ++i) right = right && i < got.size() && got[i] == i;
  out.passed = everywhere(rt, right);
  out.fields = map_figures(out.timing.median(), o, rt.size());
  return out;
}

Outcome run_shared_array(hmp::Runtime& rt, const Options& o) {
  bool right = true;
  Outcome out;
  out.timing = repeats(rt, o, [&] {
    hmp::SharedArray<double> a(rt, o.items);
    right = right && a.size() == o.items;
  });
  out.passed = everywhere(rt, right);
  return out;
}

// Every rank increments a shared count by a load and a store while holding
// the lock: the count equals ranks x runs only if the lock excluded.
Outcome run_lock(hmp::Runtime& rt, const Options& o) {
  hmp::Lock lock(rt);
  hmp::RawValue<long> count(rt, 0);
  Outcome out;
  out.timing = repeats(rt, o, [&] {
    lock.acquire();
    count.store(count.load() + 1);
    spend(o.task_us);
    lock.release();
  });
  MPI_Barrier(rt.world().native());
  out.passed = everywhere(rt, count.load() == static_cast<long>(rt.size()) * (o.repeat + o.warmup));
  out.fields = {{"per_rank_us", out.timing.median() / rt.size() * 1e6}};
  return out;
}

// The error every rank caught, as one text, or "" when none arrived.
std::string caught_text(const hmp::TaskError& e) {
  return std::string(e.what()) + "|" + std::to_string(e.index()) + "|" + std::to_string(e.rank());
}

// Whether every rank's text equals root's.
bool same_as_root(const hmp::Runtime& rt, const std::string& what) {
  MPI_Comm world = rt.world().native();
  int length = static_cast<int>(what.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, world);
  std::string roots = what;
  roots.resize(static_cast<std::size_t>(length));
  MPI_Bcast(roots.data(), length, MPI_CHAR, 0, world);
  return everywhere(rt, !what.empty() && what == roots);
}

// One task (the middle item, on whichever rank claims it) throws; every rank
// notes when its TaskError arrived and what it says. A repeat's time is from
// the throw to the last rank's catch.
Outcome run_task_error(hmp::Runtime& rt, const Options& o) {
  hmp::Pool pool(rt);
  const std::size_t bad = o.items / 2;
  MPI_Comm world = rt.world().native();
  Outcome out;
  std::vector<double> first_reach;
  for (int r = 0; r < o.repeat; ++r) {
    double thrown = 0, caught = 0;
    std::string what;
    MPI_Barrier(world);
    try {
      pool.map(
          [&](std::size_t i) {
            spend(o.task_us);
            if (i == bad) {
              thrown = MPI_Wtime();
              throw std::runtime_error("task " + std::to_string(i) + " failed");
            }
            return i;
          },
          std::views::iota(std::size_t{0}, o.items), map_options(o.schedule, o.chunksize));
    } catch (const hmp::TaskError& e) {
      // No MPI call inside the handler: under SMPI every rank is a context
      // of one thread, and a rank switched to while another is inside a
      // catch block mixes up the thread's record of caught exceptions.
      what = caught_text(e);
    }
    if (!what.empty()) caught = MPI_Wtime();
    double last = 0, first = 0;
    const double mine = caught > 0 ? caught : 1e300;
    MPI_Allreduce(MPI_IN_PLACE, &thrown, 1, MPI_DOUBLE, MPI_MAX, world);
    MPI_Allreduce(&caught, &last, 1, MPI_DOUBLE, MPI_MAX, world);
    MPI_Allreduce(&mine, &first, 1, MPI_DOUBLE, MPI_MIN, world);
    out.timing.seconds.push_back(last - thrown);
    first_reach.push_back(first - thrown);
    out.passed = same_as_root(rt, what) && out.passed;
  }
  out.fields = {{"error_reach_s", out.timing.median()},
                {"first_reach_s", hmp::apps::Timing{first_reach, {}}.median()},
                {"same_error_everywhere", out.passed}};
  return out;
}

using Method = Outcome (*)(hmp::Runtime&, const Options&);
// The one list of methods, in the order --list-methods prints them.
const std::vector<std::pair<std::string, Method>>& methods() {
  static const std::vector<std::pair<std::string, Method>> table{
      {"map", run_map}, {"shared_array", run_shared_array}, {"lock", run_lock}, {"task_error", run_task_error}};
  return table;
}

nlohmann::json record(const hmp::Runtime& rt, const Options& o, const Outcome& out) {
  hmp::apps::RecordInput in{.app = "bench-scale",
                            .method = o.method,
                            .items = o.items,
                            .size = 0,
                            .threads = 1,
                            .timing = &out.timing,
                            .check = out.passed ? "passed" : "failed",
                            .timed_region = "the method once on every rank, from a barrier to the slowest rank's end"};
  auto r = hmp::apps::make_record(rt, in);
  r.update(out.fields);
  r.update({{"schedule", o.schedule}, {"chunksize", o.chunksize}, {"task_us", o.task_us}, {"makespan_s", out.timing.median()}});
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<hmp::Runtime> runtime;
  if (!hmp::apps::start_runtime(runtime, "bench-scale", argc, argv)) return 2;
  hmp::Runtime& rt = *runtime;
  Options o;
  bool list = false;
  std::vector<std::string> names;
  for (const auto& m : methods()) names.push_back(m.first);
  CLI::App app{"hmp-bench-scale: one scenario of the scale study; root prints a JSON line"};
  app.add_option("--method,--scenario", o.method, "what to time")->check(CLI::IsMember(names));
  app.add_flag("--list-methods", list, "print the methods, one a line, and exit");
  app.add_option("--schedule", o.schedule, "the map's schedule")
      ->check(CLI::IsMember({"default", "static_cyclic", "static_block", "dynamic", "guided"}));
  app.add_option("--chunksize", o.chunksize, "the map's chunk (guided: its least chunk); 0: the schedule's default")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--items", o.items, "tasks of the map; elements of the SharedArray")->check(CLI::Range(1.0, 1e9));
  app.add_option("--task-us", o.task_us, "each task's cost in microseconds")->check(CLI::Range(0.0, 1e6));
  app.add_option("--repeat", o.repeat, "timed repeats (the median is reported)")->check(CLI::Range(1, 100));
  app.add_option("--warmup", o.warmup, "untimed runs first")->check(CLI::Range(0, 100));
  app.add_option("--records", o.records, "append a run record to this JSON Lines file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (rt.is_root()) std::fprintf(stderr, "hmp-bench-scale: %s\n", e.what());
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  if (list) {
    if (rt.is_root())
      for (const auto& n : names) std::printf("%s\n", n.c_str());
    return 0;
  }
#ifdef HMP_SMPI
  try {
    hmp::apps::host_time();  // the record's, checked before the run rather than after it
  } catch (const hmp::UsageError& e) {
    if (rt.is_root()) std::fprintf(stderr, "hmp-bench-scale: %s\n", e.what());
    return 2;
  }
#endif
  Method run = nullptr;
  for (const auto& m : methods())
    if (m.first == o.method) run = m.second;
  const Outcome out = run(rt, o);
  const auto r = record(rt, o, out);
  if (!rt.is_root()) return 0;
  auto shown = r;
  shown.erase("busy_seconds");  // one number per rank: in the record only
  std::printf("%s\n", shown.dump().c_str());
  if (!o.records.empty()) hmp::apps::append_record(o.records, r);
  if (!out.passed) std::fprintf(stderr, "hmp-bench-scale: %s: its check failed (see the record)\n", o.method.c_str());
  return out.passed ? 0 : 1;
}
