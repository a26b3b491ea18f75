// hmp-bench-pool-memory: what a map costs a worker in memory. Maps
// --items N (default 10^7) no-op tasks returning a long over
// std::views::iota (inputs take no memory), then every rank reports how far
// its peak resident memory (VmHWM in /proc/self/status) rose above what it
// held before the call, beside its share of the results (N / ranks longs):
// a worker must hold O(its share), never the whole result.
#include <hmp/pool.hpp>
#include <hmp/runtime.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
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

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  long items = 10000000;
  if (argc == 3 && std::string(argv[1]) == "--items") items = std::strtol(argv[2], nullptr, 10);
  if (items < 1) {
    if (rt.is_root()) std::fprintf(stderr, "hmp-bench-pool-memory: --items must be a whole number from 1\n");
    return 2;
  }
  hmp::Pool pool(rt);
  const auto noop = [](long x) { return x; };
  pool.map(noop, std::views::iota(0L, 1000L));  // the pool's own first-call costs, outside the figure
  const long before = status_kib("VmRSS");
  const auto out = pool.map(noop, std::views::iota(0L, items));
  const long peak = status_kib("VmHWM");
  if (pool.is_root() && (static_cast<long>(out.size()) != items || out.back() != items - 1)) {
    std::fprintf(stderr, "hmp-bench-pool-memory: wrong results\n");
    return 1;
  }
  const double share_mib = static_cast<double>(items) * sizeof(long) / pool.size() / 1048576.0;
  const double grew_mib = static_cast<double>(peak - before) / 1024.0;
  const double limit_mib = 1.5 * share_mib + 16;
  const long row[2] = {static_cast<long>(grew_mib * 1024), static_cast<long>(pool.rank())};
  std::vector<long> rows(2 * static_cast<std::size_t>(pool.size()));
  MPI_Gather(row, 2, MPI_LONG, rows.data(), 2, MPI_LONG, 0, MPI_COMM_WORLD);
  if (!rt.is_root()) return 0;
  std::printf("map of %ld longs over %d ranks: share %.1f MiB a rank; limit for a worker 1.5 x share + 16 MiB = %.1f MiB\n",
              items, pool.size(), share_mib, limit_mib);
  bool ok = true;
  for (int r = 0; r < pool.size(); ++r) {
    const double g = static_cast<double>(rows[2 * static_cast<std::size_t>(r)]) / 1024.0;
    const bool worker = r != pool.root();
    if (worker && g >= limit_mib) ok = false;
    std::printf("rank %d (%s): peak resident memory rose %.1f MiB during the call%s\n", r,
                worker ? "worker" : "root, holds the result vector", g,
                worker ? (g < limit_mib ? " (under the limit)" : " (OVER the limit)") : "");
  }
  return ok ? 0 : 1;
}
