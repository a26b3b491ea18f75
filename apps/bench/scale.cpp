// hmp-bench-scale: one scenario of the scale study (jobs/studies/scale-sim.json),
// made for simulated jobs of thousands of ranks (-DHMP_SMPI=ON, run by
// jobs/sweep's simulated launcher or python3 -m hmp_tools.sweep.smpi) and
// runnable under mpirun too. Root prints one JSON line:
//   map          the pool's map over --items tasks of --task-us each
//                (simulated: smpi_execute; real: a busy wait), one schedule;
//   shared_array creating a SharedArray per node (every rank's node maps it);
//   lock         a Lock taken and released once by every rank;
//   task_error   a map where one rank's task throws: when every rank has
//                the TaskError, and whether all got the same one.
// Times are MPI_Wtime's: simulated seconds under SMPI.
#include <hmp/lock.hpp>
#include <hmp/pool.hpp>
#include <hmp/runtime.hpp>
#include <hmp/shared_array.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string scenario = "map";
  std::string schedule = "default";
  std::size_t items = 10000;
  double task_us = 0;
  int repeat = 3;
};

// A task's fixed cost: simulated time under SMPI, a busy wait otherwise.
void spend(double us) {
  if (us <= 0) return;
#ifdef HMP_SMPI
  // _benched: the measured computation stops meanwhile (smpi_execute alone
  // would count the simulator's other ranks, which run while this one
  // waits, as this rank's computation).
  smpi_execute_benched(us * 1e-6);
#else
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(us);
  while (std::chrono::steady_clock::now() < until) {
  }
#endif
}

hmp::MapOptions map_options(const std::string& schedule) {
  static const std::map<std::string, hmp::Schedule> kinds{{"static_cyclic", hmp::Schedule::static_cyclic()},
                                                          {"static_block", hmp::Schedule::static_block()},
                                                          {"dynamic", hmp::Schedule::dynamic()},
                                                          {"guided", hmp::Schedule::guided()}};
  hmp::MapOptions o;
  if (schedule != "default") o.schedule = kinds.at(schedule);
  return o;
}

// Seconds `body` takes, everyone starting together: the slowest rank's.
template <class Body>
double timed(const hmp::Runtime& rt, Body&& body) {
  MPI_Barrier(rt.world().native());
  const double t0 = MPI_Wtime();
  body();
  double mine = MPI_Wtime() - t0, slowest = 0;
  MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, rt.world().native());
  return slowest;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

nlohmann::json run_map(hmp::Runtime& rt, const Options& o) {
  hmp::Pool pool(rt);
  const auto options = map_options(o.schedule);
  std::vector<double> samples;
  for (int r = 0; r < o.repeat; ++r)
    samples.push_back(timed(rt, [&] {
      auto out = pool.map([us = o.task_us](std::size_t i) { spend(us); return i; },
                          std::views::iota(std::size_t{0}, o.items), options);
      if (rt.is_root() && out.size() != o.items) throw std::runtime_error("map returned the wrong count");
    }));
  const double makespan = median(samples);
  const double ideal = static_cast<double>(o.items) * o.task_us * 1e-6 / rt.size();
  return {{"makespan_s", makespan},
          {"ideal_s", ideal},
          {"efficiency", ideal > 0 ? ideal / makespan : 0.0},
          {"overhead_us_per_task", (makespan - ideal) * rt.size() / static_cast<double>(o.items) * 1e6}};
}

nlohmann::json run_shared_array(hmp::Runtime& rt, const Options& o) {
  std::vector<double> samples;
  for (int r = 0; r < o.repeat; ++r)
    samples.push_back(timed(rt, [&] {
      hmp::SharedArray<double> a(rt, o.items);
      if (a.size() != o.items) throw std::runtime_error("SharedArray has the wrong size");
    }));
  return {{"makespan_s", median(samples)}};
}

nlohmann::json run_lock(hmp::Runtime& rt, const Options& o) {
  hmp::Lock lock(rt);
  std::vector<double> samples;
  for (int r = 0; r < o.repeat; ++r)
    samples.push_back(timed(rt, [&] {
      lock.acquire();
      spend(o.task_us);
      lock.release();
    }));
  const double makespan = median(samples);
  return {{"makespan_s", makespan}, {"per_rank_us", makespan / rt.size() * 1e6}};
}

// One task (the middle item, on whichever rank claims it) throws; every rank
// notes when its TaskError arrived and what it says.
nlohmann::json run_task_error(hmp::Runtime& rt, const Options& o) {
  hmp::Pool pool(rt);
  const std::size_t bad = o.items / 2;
  double thrown = 0, caught = 0;
  std::string what;
  MPI_Barrier(rt.world().native());
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
        std::views::iota(std::size_t{0}, o.items), map_options(o.schedule));
  } catch (const hmp::TaskError& e) {
    caught = MPI_Wtime();
    what = std::string(e.what()) + "|" + std::to_string(e.index()) + "|" + std::to_string(e.rank());
  }
  MPI_Comm world = rt.world().native();
  double first = 0, last = 0;
  MPI_Allreduce(MPI_IN_PLACE, &thrown, 1, MPI_DOUBLE, MPI_MAX, world);
  MPI_Allreduce(&caught, &last, 1, MPI_DOUBLE, MPI_MAX, world);
  const double mine = caught > 0 ? caught : 1e300;
  MPI_Allreduce(&mine, &first, 1, MPI_DOUBLE, MPI_MIN, world);
  // The same error everywhere: every rank's text equals root's.
  int length = static_cast<int>(what.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, world);
  std::string roots = what;
  roots.resize(static_cast<std::size_t>(length));
  MPI_Bcast(roots.data(), length, MPI_CHAR, 0, world);
  int same = caught > 0 && what == roots, all_same = 0;
  MPI_Allreduce(&same, &all_same, 1, MPI_INT, MPI_MIN, world);
  return {{"makespan_s", last - thrown},
          {"error_reach_s", last - thrown},
          {"first_reach_s", first - thrown},
          {"same_error_everywhere", all_same == 1}};
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  Options o;
  CLI::App app{"hmp-bench-scale: one scenario of the scale study; root prints a JSON line"};
  app.add_option("--scenario", o.scenario, "what to time")
      ->check(CLI::IsMember({"map", "shared_array", "lock", "task_error"}));
  app.add_option("--schedule", o.schedule, "the map's schedule")
      ->check(CLI::IsMember({"default", "static_cyclic", "static_block", "dynamic", "guided"}));
  app.add_option("--items", o.items, "tasks of the map; elements of the SharedArray")->check(CLI::Range(1.0, 1e9));
  app.add_option("--task-us", o.task_us, "each task's cost in microseconds")->check(CLI::Range(0.0, 1e6));
  app.add_option("--repeat", o.repeat, "timed repeats (the median is reported)")->check(CLI::Range(1, 100));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (rt.is_root()) std::fprintf(stderr, "hmp-bench-scale: %s\n", e.what());
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  nlohmann::json out = o.scenario == "map"          ? run_map(rt, o)
                       : o.scenario == "shared_array" ? run_shared_array(rt, o)
                       : o.scenario == "lock"         ? run_lock(rt, o)
                                                      : run_task_error(rt, o);
  out.update({{"scenario", o.scenario},
              {"ranks", rt.size()},
              {"nodes", rt.topology().nodes},
              {"schedule", o.schedule},
              {"task_us", o.task_us},
              {"items", o.items},
#ifdef HMP_SMPI
              {"simulated", true}
#else
              {"simulated", false}
#endif
  });
  if (rt.is_root()) std::printf("%s\n", out.dump().c_str());
}
