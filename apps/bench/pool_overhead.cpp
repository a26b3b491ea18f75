// hmp-bench-pool: what hmp::Pool itself costs, measured with no-op tasks
// (each returns its input), so every microsecond is the pool's: per-task
// overhead of map at chunksize 1 and at the default chunksize, the round
// trip of a tiny map_async + get and of apply_async + get, and the total time
// of a map over 10^6 items. Repeats each measurement and reports medians.
// apps/bench/run-pool-benchmark runs it beside Python's multiprocessing.Pool.
#include <common/start_runtime.hpp>

#include <hmp/pool.hpp>
#include <hmp/runtime.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  std::size_t items_chunk1 = 100000;     // map at chunksize 1
  std::size_t items_default = 1000000;   // map at the default chunksize
  std::size_t round_trips = 2000;        // calls per timed repeat of the round trips
  std::size_t tiny = 4;                  // items of the tiny map_async
  int repeat = 7;
  int warmup = 1;
  int threads = 1;                       // per rank: R ranks x 1 thread is Python's Pool(R)
  bool json = false;
};

constexpr const char* kUsage =
    "usage: hmp-bench-pool [--items-chunk1 N] [--items-default N] [--round-trips N] [--tiny N]\n"
    "                      [--repeat R] [--warmup W] [--threads T] [--json] [--help]\n"
    "Per-task overhead of hmp::Pool.map over no-op tasks at chunksize 1 and the default\n"
    "chunksize, the map_async + get and apply_async + get round trips, and the time of\n"
    "the default-chunksize map, each the median of R timed repeats (after W warm-ups).\n"
    "Run under mpirun; every rank takes part, root prints.\n";

// One line naming the option and what is allowed (the apps' convention).
struct BadOption {
  std::string message;
};

std::size_t parse_count(std::string_view name, std::string_view text, std::size_t lo, std::size_t hi) {
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
    throw BadOption{std::string(name) + " '" + std::string(text) + "' is not allowed: give a whole number from " +
                    std::to_string(lo) + " to " + std::to_string(hi)};
  return v;
}

Options parse(int argc, char** argv, bool& help) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      help = true;
      continue;
    }
    if (a == "--json") {
      o.json = true;
      continue;
    }
    std::string_view name = a, value;
    bool inline_value = false;
    if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    const bool known = name == "--items-chunk1" || name == "--items-default" || name == "--round-trips" ||
                       name == "--tiny" || name == "--repeat" || name == "--warmup" || name == "--threads";
    if (!known)
      throw BadOption{"unknown option '" + std::string(a) +
                      "': allowed are --items-chunk1, --items-default, --round-trips, --tiny, --repeat, "
                      "--warmup, --threads, --json, --help"};
    if (!inline_value) {
      if (i + 1 >= argc) throw BadOption{std::string(name) + " needs a value: a whole number"};
      value = argv[++i];
    }
    constexpr std::size_t kMaxItems = std::size_t{1} << 31;
    if (name == "--items-chunk1") o.items_chunk1 = parse_count(name, value, 1, kMaxItems);
    else if (name == "--items-default") o.items_default = parse_count(name, value, 1, kMaxItems);
    else if (name == "--round-trips") o.round_trips = parse_count(name, value, 1, 100000000);
    else if (name == "--tiny") o.tiny = parse_count(name, value, 1, 1000000);
    else if (name == "--repeat") o.repeat = static_cast<int>(parse_count(name, value, 1, 1000));
    else if (name == "--warmup") o.warmup = static_cast<int>(parse_count(name, value, 0, 1000));
    else if (name == "--threads") o.threads = static_cast<int>(parse_count(name, value, 1, 1024));
  }
  return o;
}

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One measurement: `value` per repeat, in `unit`.
struct Result {
  std::string key;    // machine name (JSON)
  std::string label;  // human name (table)
  std::string unit;
  std::size_t items = 0;  // items (or calls) per timed repeat
  std::vector<double> samples;
  double med() const { return median(samples); }
  double min() const { return *std::min_element(samples.begin(), samples.end()); }
};

// Times `body` (collective) `repeat` times after `warmup` untimed runs; every
// rank starts together, root's clock counts. Returns seconds per repeat on
// root (other ranks: root's numbers too, so all ranks agree). On one machine
// (the steady clock is the same for every rank) a repeat runs from the first
// rank leaving the barrier: on a loaded machine a worker may start, and do
// much of the work, long before root is scheduled again.
template <class Body>
std::vector<double> timed(const hmp::Runtime& rt, const Options& o, Body&& body) {
  MPI_Comm comm = rt.world().native();
  const bool one_clock = rt.topology().nodes == 1 || rt.topology().simulated;
  for (int w = 0; w < o.warmup; ++w) body();
  std::vector<double> seconds;
  for (int r = 0; r < o.repeat; ++r) {
    MPI_Barrier(comm);
    const auto t0 = Clock::now();
    body();
    const auto t1 = Clock::now();
    long long mine = t0.time_since_epoch().count(), first = mine;
    if (one_clock) MPI_Reduce(&mine, &first, 1, MPI_LONG_LONG, MPI_MIN, 0, comm);
    seconds.push_back(std::chrono::duration<double>(t1 - Clock::time_point(Clock::duration(first))).count());
  }
  MPI_Bcast(seconds.data(), static_cast<int>(seconds.size()), MPI_DOUBLE, 0, comm);
  return seconds;
}

std::vector<double> scaled(std::vector<double> v, double factor) {
  for (auto& x : v) x *= factor;
  return v;
}

// A map's result must be complete and right on root, or the timing is of
// the wrong thing.
void check_identity(const hmp::Pool& pool, const std::vector<int>& out, std::size_t n, const char* what) {
  if (!pool.is_root()) return;
  bool ok = out.size() == n;
  for (std::size_t i = 0; ok && i < n; ++i) ok = out[i] == static_cast<int>(i);
  if (!ok) {
    std::fprintf(stderr, "hmp-bench-pool: %s returned wrong results\n", what);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

// 0, 1, ..., n-1: what a no-op map returns unchanged.
std::vector<int> numbers(std::size_t n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

constexpr auto noop = [](int x) { return x; };

// A timed map of n no-op items at `chunksize` (0: the default): its per-task
// and total time as "<key>_us_per_task" and "<key>_total_ms", labelled
// "map, <label>".
void time_map(const hmp::Runtime& rt, const Options& o, hmp::Pool& pool, std::vector<Result>& results,
              const std::string& key, const std::string& label, std::size_t n, std::size_t chunksize) {
  const std::vector<int> in = numbers(n);
  hmp::MapOptions how;
  how.chunksize = chunksize;
  std::vector<int> out;
  auto s = timed(rt, o, [&] { out = pool.map(noop, in, how); });
  check_identity(pool, out, n, ("map at " + label).c_str());
  results.push_back({key + "_us_per_task", "map, " + label + ", per task", "us", n,
                     scaled(s, 1e6 / static_cast<double>(n))});
  results.push_back({key + "_total_ms", "map, " + label + ", total", "ms", n, scaled(s, 1e3)});
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<hmp::Runtime> runtime;
  if (!hmp::apps::start_runtime(runtime, "bench-pool", argc, argv)) return 2;
  hmp::Runtime& rt = *runtime;
  bool help = false;
  Options o;
  try {
    o = parse(argc, argv, help);
  } catch (const BadOption& e) {
    if (rt.is_root()) std::fprintf(stderr, "hmp-bench-pool: %s\n", e.message.c_str());
    return 2;
  }
  if (help) {
    if (rt.is_root()) std::fputs(kUsage, stdout);
    return 0;
  }

  hmp::PoolOptions po;
  po.threads = o.threads;
  hmp::Pool pool(rt, po);
  std::vector<Result> results;

  // map at chunksize 1: every item is one claim, one run, one result slot.
  time_map(rt, o, pool, results, "map_chunksize1", "chunksize 1", o.items_chunk1, 1);
  // map at the default chunksize (4 chunks a worker of about n / (4 x workers)).
  time_map(rt, o, pool, results, "map_default", "default chunksize", o.items_default, 0);
  // The round trip of a tiny map_async + get (the call, not its tasks).
  {
    const std::vector<int> in = numbers(o.tiny);
    std::vector<int> out;
    auto s = timed(rt, o, [&] {
      for (std::size_t k = 0; k < o.round_trips; ++k) out = pool.map_async(noop, in).get();
    });
    check_identity(pool, out, in.size(), "map_async");
    results.push_back({"map_async_get_us", "map_async + get, " + std::to_string(o.tiny) + " items", "us",
                       o.round_trips, scaled(s, 1e6 / static_cast<double>(o.round_trips))});
  }
  // The round trip of apply_async + get: one task on one rank, result to root.
  {
    int last = -1;
    auto s = timed(rt, o, [&] {
      for (std::size_t k = 0; k < o.round_trips; ++k) last = pool.apply_async(noop, static_cast<int>(k)).get();
    });
    if (pool.is_root() && last != static_cast<int>(o.round_trips - 1)) {
      std::fprintf(stderr, "hmp-bench-pool: apply_async returned %d, expected %zu\n", last, o.round_trips - 1);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    results.push_back({"apply_async_get_us", "apply_async + get", "us", o.round_trips,
                       scaled(s, 1e6 / static_cast<double>(o.round_trips))});
  }

  if (!rt.is_root()) return 0;
  if (o.json) {
    std::printf("{\"tool\": \"hmp\", \"ranks\": %d, \"threads\": %d, \"repeat\": %d, \"results\": {", pool.size(),
                pool.threads(), o.repeat);
    for (std::size_t k = 0; k < results.size(); ++k) {
      const auto& r = results[k];
      std::printf("%s\"%s\": {\"label\": \"%s\", \"unit\": \"%s\", \"items\": %zu, \"median\": %.6g, \"min\": %.6g, "
                  "\"samples\": [",
                  k ? ", " : "", r.key.c_str(), json_escape(r.label).c_str(), r.unit.c_str(), r.items, r.med(),
                  r.min());
      for (std::size_t j = 0; j < r.samples.size(); ++j) std::printf("%s%.6g", j ? ", " : "", r.samples[j]);
      std::printf("]}");
    }
    std::printf("}}\n");
    return 0;
  }
  std::printf("hmp::Pool overhead: %d ranks x %d thread(s), no-op tasks, median of %d repeats\n", pool.size(),
              pool.threads(), o.repeat);
  std::printf("%-36s %10s %12s %12s  %s\n", "measurement", "count", "median", "min", "unit");
  for (const auto& r : results)
    std::printf("%-36s %10zu %12.4g %12.4g  %s\n", r.label.c_str(), r.items, r.med(), r.min(), r.unit.c_str());
  return 0;
}
