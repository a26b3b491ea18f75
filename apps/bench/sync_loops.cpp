// hmp-bench-sync: the cost of hmp's job-wide synchronisation, in the loops
// of issue 13's table: N increments of a Value under its Lock
// (`v.set_value(v.value() + 1)` inside `std::lock_guard`), and N
// fetch-and-adds on a RawValue, N counted over all ranks together (each
// rank does N / ranks). Each loop is timed `repeat` times (median printed);
// the final value is checked against the count, so a fast wrong answer
// aborts instead of being reported. Beside them the network's limit: the
// median round trip of a 1-byte MPI ping-pong between rank 0 and the last
// rank (on another node when there are nodes). Run under mpirun; root prints.
#include <common/start_runtime.hpp>

#include <hmp/lock.hpp>
#include <hmp/runtime.hpp>
#include <hmp/value.hpp>

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: hmp-bench-sync [COUNT [REPEAT]]\n"
    "Seconds for COUNT increments of a Value under its Lock and for COUNT fetch-and-adds\n"
    "(COUNT over all ranks together, default 8000, 1 to 10^8; REPEAT timed runs, default 5,\n"
    "1 to 1000; medians), and the median µs of an MPI ping-pong between rank 0 and the last rank.\n"
    "Prints one JSON line on root. Run under mpirun.\n";

struct Options {
  long count = 8000;
  int repeat = 5;
};

// A whole number from lo to hi, or -1.
long whole(const char* text, long lo, long hi) {
  try {
    std::size_t used = 0;
    const long v = std::stol(text, &used);
    return text[used] == '\0' && v >= lo && v <= hi ? v : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Seconds of `body` on root's clock, every rank starting together; ends with
// a barrier so the time covers the slowest rank.
template <class Body>
double timed(const hmp::Runtime& rt, Body&& body) {
  rt.world().barrier();
  const auto t0 = std::chrono::steady_clock::now();
  body();
  rt.world().barrier();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MPI_Bcast(&s, 1, MPI_DOUBLE, 0, rt.world().native());
  return s;
}

// Median µs of a 1-byte MPI_Send/MPI_Recv round trip between rank 0 and
// the last rank (the others wait in the closing barrier).
double round_trip_us(const hmp::Runtime& rt) {
  constexpr int kRounds = 1000;
  const int last = rt.size() - 1;
  const MPI_Comm comm = rt.world().native();
  std::vector<double> us;
  char byte = 0;
  rt.world().barrier();
  for (int k = 0; k < kRounds && last > 0; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    if (rt.rank() == 0) {
      MPI_Send(&byte, 1, MPI_CHAR, last, 0, comm);
      MPI_Recv(&byte, 1, MPI_CHAR, last, 0, comm, MPI_STATUS_IGNORE);
    } else if (rt.rank() == last) {
      MPI_Recv(&byte, 1, MPI_CHAR, 0, 0, comm, MPI_STATUS_IGNORE);
      MPI_Send(&byte, 1, MPI_CHAR, 0, 0, comm);
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  rt.world().barrier();
  return us.empty() ? 0 : median(us);
}

[[noreturn]] void wrong(const char* what, long got, long want) {
  std::fprintf(stderr, "hmp-bench-sync: %s ended at %ld, expected %ld\n", what, got, want);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<hmp::Runtime> runtime;
  if (!hmp::apps::start_runtime(runtime, "bench-sync", argc, argv)) return 2;
  hmp::Runtime& rt = *runtime;
  Options o;
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    if (rt.is_root()) std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc > 1) o.count = whole(argv[1], 1, 100000000);
  if (argc > 2) o.repeat = static_cast<int>(whole(argv[2], 1, 1000));
  if (argc > 3 || o.count < 0 || o.repeat < 0) {
    if (rt.is_root())
      std::fprintf(stderr, "hmp-bench-sync: give COUNT from 1 to 100000000 and REPEAT from 1 to 1000 (see --help)\n");
    return 2;
  }
  // This rank's share of the count (the first count % ranks ranks do one more).
  const long mine = o.count / rt.size() + (rt.rank() < o.count % rt.size() ? 1 : 0);

  std::vector<double> lock_s, fetch_s;
  for (int r = 0; r < o.repeat; ++r) {
    // Alternate the two loops' order so neither always meets the machine first.
    auto lock_loop = [&] {
      hmp::Value<long> v(rt, 0);
      lock_s.push_back(timed(rt, [&] {
        for (long k = 0; k < mine; ++k) {
          std::lock_guard<hmp::Lock> guard(v.get_lock());
          v.set_value(v.value() + 1);
        }
      }));
      if (v.value() != o.count) wrong("the Value incremented under its Lock", v.value(), o.count);
    };
    auto fetch_loop = [&] {
      hmp::RawValue<long> v(rt, 0);
      fetch_s.push_back(timed(rt, [&] {
        for (long k = 0; k < mine; ++k) v.fetch_add(1);
      }));
      if (v.value() != o.count) wrong("the fetch-and-add Value", v.value(), o.count);
    };
    if (r % 2) {
      fetch_loop();
      lock_loop();
    } else {
      lock_loop();
      fetch_loop();
    }
  }
  const double rt_us = round_trip_us(rt);
  if (!rt.is_root()) return 0;
  const auto& topo = rt.topology();
  std::printf("{\"ranks\": %d, \"nodes\": %d, \"simulated\": %s, \"count\": %ld, \"repeat\": %d, "
              "\"lock_increments_s\": %.6g, \"fetch_adds_s\": %.6g, \"round_trip_us\": %.4g}\n",
              rt.size(), topo.nodes, topo.simulated ? "true" : "false", o.count, o.repeat, median(lock_s),
              median(fetch_s), rt_us);
  return 0;
}
