#include <common/memory_check.hpp>

#include <hmp/communicator.hpp>

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace hmp::apps {

namespace {

std::uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  for (std::string key; in >> key;) {
    std::uint64_t kb = 0;
    in >> kb;
    if (key == "MemAvailable:") return kb * 1024;
    in.ignore(1 << 10, '\n');
  }
  return UINT64_MAX;  // not Linux: no check
}

std::uint64_t read_number(const std::string& path) {
  std::ifstream in(path);
  std::uint64_t v = 0;
  return in >> v ? v : UINT64_MAX;  // "max" (no limit) or no file
}

// Limit minus usage of this process's memory cgroup (v2, else v1).
std::uint64_t cgroup_available() {
  std::ifstream in("/proc/self/cgroup");
  std::uint64_t best = UINT64_MAX;
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    std::uint64_t limit = UINT64_MAX, usage = 0;
    if (controllers.empty()) {
      limit = read_number("/sys/fs/cgroup" + path + "/memory.max");
      usage = read_number("/sys/fs/cgroup" + path + "/memory.current");
    } else if (controllers == "memory") {
      limit = read_number("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes");
      usage = read_number("/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes");
    }
    if (limit != UINT64_MAX && usage != UINT64_MAX) best = std::min(best, limit > usage ? limit - usage : 0);
  }
  return best;
}

std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  return buf;
}

std::string sizes_of(const Options& opt) {
  if (!opt.input.empty()) return "--input " + opt.input;
  std::string s = "--items " + std::to_string(opt.items);
  if (opt.size != 1 || opt.size_given) s += " --size " + std::to_string(opt.size);
  return s;
}

}  // namespace

std::uint64_t available_memory() { return std::min(meminfo_available(), cgroup_available()); }

void check_memory(const Runtime& rt, const Options& opt, const MemoryNeed& need) {
  const auto& t = rt.topology();
  // This rank's share of its host's need; added up per host.
  double mine[2] = {need.per_rank + (rt.is_root() ? need.root_extra : 0) + (t.local_rank == 0 ? need.per_node : 0), 1};
  MPI_Comm host_native = MPI_COMM_NULL;
  MPI_Comm_split_type(rt.world().native(), MPI_COMM_TYPE_SHARED, rt.rank(), MPI_INFO_NULL, &host_native);
  Communicator host(host_native, true);
  double host_need[2] = {0, 0};  // bytes, ranks
  MPI_Allreduce(mine, host_need, 2, MPI_DOUBLE, MPI_SUM, host.native());
  // Every rank learns every host's (need, available, ranks): the same verdict everywhere.
  const double row[3] = {host_need[0], static_cast<double>(available_memory()), host_need[1]};
  std::vector<double> all(3 * static_cast<std::size_t>(rt.size()));
  MPI_Allgather(row, 3, MPI_DOUBLE, all.data(), 3, MPI_DOUBLE, rt.world().native());
  for (int r = 0; r < rt.size(); ++r) {
    const double* h = &all[3 * static_cast<std::size_t>(r)];
    if (h[0] <= h[1]) continue;
    const int ranks = static_cast<int>(h[2]);
    throw InputError{sizes_of(opt) + ": needs about " + gigabytes(h[0]) + " of memory on the host of rank " +
                     std::to_string(r) + " (" + std::to_string(ranks) + " rank" + (ranks == 1 ? "" : "s") +
                     " there), which has " + gigabytes(h[1]) + " available; use smaller sizes or fewer ranks per node"};
  }
}

}  // namespace hmp::apps
