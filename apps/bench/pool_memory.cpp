// hmp-bench-pool-memory: what a map costs a worker in memory. Maps
// --items N (default 10^7) no-op tasks returning a long, twice: over
// std::views::iota (inputs take no memory; a worker holds only results) and
// over hmp::from_root(a vector of longs on root) (a worker also receives its
// share of the inputs). For each, every rank reports how far its peak
// resident memory (VmHWM in /proc/self/status, reset before the call) rose
// above what it held before, beside a worker's limit: 1.5 x what its share
// needs (N / ranks longs of results, and as much of inputs for from_root)
// + 16 MiB. A worker must hold O(its share), never the whole input or result.
#include <common/start_runtime.hpp>

#include <hmp/pool.hpp>
#include <hmp/runtime.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <ranges>
#include <string>
#include <vector>

namespace {

// A field of /proc/self/status in KiB (VmRSS, VmHWM), 0 when unreadable.
long status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  return 0;
}

// Starts VmHWM afresh at the current resident size (Linux: clear_refs 5).
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Runs `call` on every rank; root prints each rank's rise and whether the
// workers stayed under `limit_mib`. Returns false if one did not.
template <class Call>
bool measure(const hmp::Pool& pool, const char* what, double limit_mib, Call&& call) {
  reset_peak();
  const long before = status_kib("VmRSS");
  call();
  const long row[2] = {status_kib("VmHWM") - before, static_cast<long>(pool.rank())};
  std::vector<long> rows(2 * static_cast<std::size_t>(pool.size()));
  MPI_Gather(row, 2, MPI_LONG, rows.data(), 2, MPI_LONG, 0, MPI_COMM_WORLD);
  if (!pool.is_root()) return true;
  std::printf("%s: limit for a worker %.1f MiB\n", what, limit_mib);
  bool ok = true;
  for (int r = 0; r < pool.size(); ++r) {
    const double g = static_cast<double>(rows[2 * static_cast<std::size_t>(r)]) / 1024.0;
    const bool worker = r != pool.root();
    if (worker && g >= limit_mib) ok = false;
    std::printf("  rank %d (%s): peak resident memory rose %.1f MiB during the call%s\n", r,
                worker ? "worker" : "root, holds the result vector", g,
                worker ? (g < limit_mib ? " (under the limit)" : " (OVER the limit)") : "");
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<hmp::Runtime> runtime;
  if (!hmp::apps::start_runtime(runtime, "bench-pool-memory", argc, argv)) return 2;
  hmp::Runtime& rt = *runtime;
  long items = 10000000;
  if (argc == 3 && std::string(argv[1]) == "--items") items = std::strtol(argv[2], nullptr, 10);
  if (items < 1) {
    if (rt.is_root()) std::fprintf(stderr, "hmp-bench-pool-memory: --items must be a whole number from 1\n");
    return 2;
  }
  hmp::Pool pool(rt);
  const auto noop = [](long x) { return x; };
  pool.map(noop, std::views::iota(0L, 1000L));  // the pool's own first-call costs, outside the figure
  const double share_mib = static_cast<double>(items) * sizeof(long) / pool.size() / 1048576.0;
  if (pool.is_root())
    std::printf("maps of %ld longs over %d ranks: a share of results (or of inputs) is %.1f MiB a rank\n", items,
                pool.size(), share_mib);
  std::vector<long> out;
  bool ok = measure(pool, "over std::views::iota", 1.5 * share_mib + 16,
                    [&] { out = pool.map(noop, std::views::iota(0L, items)); });
  bool right = !pool.is_root() || (static_cast<long>(out.size()) == items && out.back() == items - 1);
  std::vector<long> inputs;
  if (pool.is_root()) {
    inputs.resize(static_cast<std::size_t>(items));
    std::iota(inputs.begin(), inputs.end(), 0L);
  }
  out = {};
  ok = measure(pool, "over hmp::from_root(a vector on root)", 1.5 * 2 * share_mib + 16,
               [&] { out = pool.map(noop, hmp::from_root(inputs)); }) && ok;
  right = right && (!pool.is_root() || out == inputs);
  if (!right) {
    std::fprintf(stderr, "hmp-bench-pool-memory: wrong results\n");
    return 1;
  }
  return ok ? 0 : 1;
}
