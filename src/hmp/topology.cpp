#include <hmp/detail/environment_setting.hpp>
#include <hmp/topology.hpp>

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>

namespace hmp::detail {

namespace {
// A strictly positive decimal integer, the whole string; nullopt-like -1 otherwise.
long parse_positive(std::string_view text) {
  long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value <= 0) return -1;
  return value;
}
}  // namespace

int threads_from_environment() {
  if (const char* omp = std::getenv("OMP_NUM_THREADS"); omp && *omp) {
    std::string_view text(omp);
    text = text.substr(0, text.find(','));  // nested list "4,2": the outer level is ours
    const long n = parse_positive(text);
    if (n < 0 || n > 4096)
      throw bad_environment_setting("OMP_NUM_THREADS", omp, "give a whole number of threads from 1 to 4096");
    return static_cast<int>(n);
  }
  if (const char* slurm = std::getenv("SLURM_CPUS_PER_TASK"); slurm && *slurm) {
    const long n = parse_positive(slurm);
    if (n < 0 || n > 4096)
      throw bad_environment_setting("SLURM_CPUS_PER_TASK", slurm, "give a whole number of CPUs per task from 1 to 4096");
    return static_cast<int>(n);
  }
  return 1;
}

int simulated_nodes_from_environment(int world_size) {
  const char* sim = std::getenv("HMP_SIMULATE_NODES");
  if (!sim || !*sim) return 0;
  const long k = parse_positive(sim);
  if (k < 0 || k > world_size)
    throw bad_environment_setting("HMP_SIMULATE_NODES", sim,
                                  "give a whole number of nodes from 1 to the number of ranks (" +
                                      std::to_string(world_size) + ")");
  return static_cast<int>(k);
}

int count_sockets() {
  std::set<std::string> packages;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/devices/system/cpu", ec)) {
    std::ifstream in(entry.path() / "topology/physical_package_id");
    std::string id;
    if (in >> id) packages.insert(id);
  }
  return packages.empty() ? 1 : static_cast<int>(packages.size());
}

int count_cores() {
  if (const char* slurm = std::getenv("SLURM_CPUS_ON_NODE"); slurm && *slurm) {
    const long n = parse_positive(slurm);
    if (n > 0) return static_cast<int>(n);
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : 1;
}

}  // namespace hmp::detail
