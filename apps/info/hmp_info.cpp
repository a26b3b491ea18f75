// hmp-info: the layout and binding the job really has, one table, then one
// line of warnings (oversubscription, shared cores, unbound threads).
#include <common/start_runtime.hpp>

#include <hmp/detail/gather_strings.hpp>
#include <hmp/detail/open_mpi_settings.hpp>
#include <hmp/detail/segment_owner.hpp>
#include <hmp/runtime.hpp>

#include <omp.h>
#include <sched.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "transport.hpp"

namespace {

std::vector<int> cpus_of(const cpu_set_t& set) {
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

// "0-3,8" style list.
std::string cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out.empty() ? "?" : out;
}

struct ThreadInfo {
  int cpu = -1;
  std::vector<int> mask;
};

struct RankInfo {
  int rank = 0, node = 0, local = 0, threads = 1, cores = 1;
  std::string host;
  std::vector<int> mask;
  std::vector<ThreadInfo> thread_info;
  std::string components;  // hmp_info::encode(Components)
};

// One line per rank, space-separated, masks as comma lists: parsed on root.
std::string encode(const RankInfo& r) {
  std::ostringstream out;
  out << r.rank << ' ' << r.node << ' ' << r.local << ' ' << r.threads << ' ' << r.cores << ' '
      << r.host << ' ' << r.components << ' ' << r.mask.size();
  for (int c : r.mask) out << ' ' << c;
  for (const auto& t : r.thread_info) {
    out << ' ' << t.cpu << ' ' << t.mask.size();
    for (int c : t.mask) out << ' ' << c;
  }
  return out.str();
}

RankInfo decode(const std::string& line) {
  std::istringstream in(line);
  RankInfo r;
  std::size_t n = 0;
  in >> r.rank >> r.node >> r.local >> r.threads >> r.cores >> r.host >> r.components >> n;
  r.mask.resize(n);
  for (auto& c : r.mask) in >> c;
  r.thread_info.resize(static_cast<std::size_t>(r.threads));
  for (auto& t : r.thread_info) {
    in >> t.cpu >> n;
    t.mask.resize(n);
    for (auto& c : t.mask) in >> c;
  }
  return r;
}

std::vector<std::string> warnings(const std::vector<RankInfo>& ranks) {
  std::vector<std::string> out;
  std::map<std::string, int> threads_on_host, cores_on_host, ranks_on_host;
  std::map<std::pair<std::string, int>, std::vector<std::string>> owners;  // single-core binds
  std::vector<std::string> unbound;
  for (const auto& r : ranks) {
    threads_on_host[r.host] += r.threads;
    ranks_on_host[r.host] += 1;
    cores_on_host[r.host] = r.cores;
    for (std::size_t t = 0; t < r.thread_info.size(); ++t) {
      const auto& mask = r.thread_info[t].mask;
      const std::string who = "rank " + std::to_string(r.rank) + " thread " + std::to_string(t);
      if (mask.size() == 1)
        owners[{r.host, mask[0]}].push_back(who);
      else
        unbound.push_back(who + " (cores " + cpu_list(mask) + ")");
    }
  }
  for (const auto& [host, threads] : threads_on_host)
    if (threads > cores_on_host[host])
      out.push_back("oversubscribed: " + host + " runs " + std::to_string(ranks_on_host[host]) +
                    " ranks with " + std::to_string(threads) + " threads in all on " +
                    std::to_string(cores_on_host[host]) + " cores");
  for (const auto& [key, who] : owners)
    if (who.size() > 1) {
      std::string list;
      for (const auto& w : who) list += (list.empty() ? "" : ", ") + w;
      out.push_back("core " + std::to_string(key.second) + " on " + key.first + " is shared by " + list);
    }
  if (!unbound.empty()) {
    std::string list;
    for (const auto& w : unbound) list += (list.empty() ? "" : ", ") + w;
    out.push_back("threads left unbound: " + list);
  }
  return out;
}

// One row per host: its ranks, cores and how its ranks are bound.
void print_hosts(const std::vector<RankInfo>& ranks) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RankInfo*>> on;
  for (const auto& r : ranks) {
    if (!on.count(r.host)) order.push_back(r.host);
    on[r.host].push_back(&r);
  }
  std::printf("%-20s %-6s %-12s %-6s %s\n", "host", "ranks", "world ranks", "cores", "binding (rank:cores)");
  for (const auto& host : order) {
    const auto& list = on[host];
    std::vector<int> world;
    std::string binding;
    bool all_same = true;
    for (const auto* r : list) {
      world.push_back(r->rank);
      binding += (binding.empty() ? "" : " ") + std::to_string(r->rank) + ":" + cpu_list(r->mask);
      all_same = all_same && r->mask == list.front()->mask;
    }
    const auto* first = list.front();
    if (all_same && static_cast<int>(first->mask.size()) >= first->cores)
      binding = "none (every rank on cores " + cpu_list(first->mask) + ")";
    std::printf("%-20s %-6zu %-12s %-6d %s\n", host.c_str(), list.size(), cpu_list(world).c_str(), first->cores,
                binding.c_str());
  }
}

// --clean: each node's first rank removes the named segments of ended
// processes (the Runtime's start already did; this catches the rest) and
// root prints one line per node.
int clean(const hmp::Runtime& rt) {
  std::string mine;
  if (rt.topology().local_rank == 0) {
    std::vector<std::string> names = rt.orphan_segments_removed();
    for (const auto& o : hmp::detail::remove_orphan_segments()) names.push_back(o.name);
    mine = rt.topology().host + ":";
    for (const auto& n : names) mine += " " + n;
    if (names.empty()) mine += " nothing to remove";
  }
  const auto lines = hmp::detail::gather_strings(rt.world(), mine);
  if (!rt.is_root()) return 0;
  for (const auto& l : lines)
    if (!l.empty()) std::printf("hmp-info --clean: %s\n", l.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<hmp::Runtime> runtime;
  if (!hmp::apps::start_runtime(runtime, "info", argc, argv)) return 2;
  hmp::Runtime& rt = *runtime;
  bool do_clean = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      if (rt.is_root())
        std::puts("usage: mpirun -np R hmp-info [--clean]\n"
                  "Prints per rank: host, node, local rank, bound cores, OpenMP threads and the\n"
                  "core each thread runs on; per host: its ranks, cores and binding; the transport\n"
                  "within and between hosts (Open MPI's pml/btl, osc setting); then one line of warnings.\n"
                  "--clean: removes, on every node of the job, the named shared memory segments\n"
                  "whose creating process has ended (kill -9, out of memory) and prints them.");
      return 0;
    }
    if (arg == "--clean") {
      do_clean = true;
      continue;
    }
    if (rt.is_root()) std::fprintf(stderr, "hmp-info: unknown option '%s': allowed: --help, --clean\n", arg.c_str());
    return 2;
  }
  if (do_clean) return clean(rt);
  const auto& topo = rt.topology();
  RankInfo me;
  me.rank = topo.world_rank;
  me.node = topo.node_index;
  me.local = topo.local_rank;
  me.threads = topo.threads_per_rank;
  me.cores = topo.cores_per_node;
  me.host = topo.host;
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  me.mask = cpus_of(set);
  me.components = hmp_info::encode(hmp_info::loaded_components());
  me.thread_info.resize(static_cast<std::size_t>(me.threads));
#pragma omp parallel num_threads(me.threads)
  {
    // Each thread reports its own mask: OMP_PROC_BIND may narrow it.
    cpu_set_t mine;
    CPU_ZERO(&mine);
    sched_getaffinity(0, sizeof mine, &mine);
    auto& t = me.thread_info[static_cast<std::size_t>(omp_get_thread_num())];
    t.cpu = sched_getcpu();
    t.mask = cpus_of(mine);
  }
  const auto lines = hmp::detail::gather_strings(rt.world(), encode(me));
  if (!rt.is_root()) return 0;
  std::vector<RankInfo> ranks;
  for (const auto& l : lines) ranks.push_back(decode(l));
  std::printf("hmp-info: %d ranks on %d node%s%s, %d socket(s) and %d cores per node; thread level %s asked, %s "
              "provided\n",
              topo.world_size, topo.nodes, topo.nodes == 1 ? "" : "s",
              topo.simulated ? " (simulated by HMP_SIMULATE_NODES)" : "", topo.sockets_per_node,
              topo.cores_per_node, hmp::to_string(rt.thread_level_requested()).c_str(),
              hmp::to_string(rt.thread_level_provided()).c_str());
  std::printf("%-5s %-20s %-5s %-6s %-12s %-8s %s\n", "rank", "host", "node", "local", "bound cores",
              "threads", "thread:core (thread's cores)");
  for (const auto& r : ranks) {
    std::string threads;
    for (std::size_t t = 0; t < r.thread_info.size(); ++t)
      threads += (t ? " " : "") + std::to_string(t) + ":" + std::to_string(r.thread_info[t].cpu) +
                 "(" + cpu_list(r.thread_info[t].mask) + ")";
    std::printf("%-5d %-20s %-5d %-6d %-12s %-8d %s\n", r.rank, r.host.c_str(), r.node, r.local,
                cpu_list(r.mask).c_str(), r.threads, threads.c_str());
  }
  print_hosts(ranks);
  // The components of a rank on another host than root's where there is one
  // (they may differ by host), else root's.
  std::map<std::string, int> hosts;
  const RankInfo* remote = &ranks.front();
  for (const auto& r : ranks) {
    hosts[r.host] += 1;
    if (r.host != ranks.front().host && remote == &ranks.front()) remote = &r;
  }
  const auto osc = hmp::detail::open_mpi_setting("osc");
  std::printf("transport: %s\n", hmp_info::describe_transport(hmp_info::decode_components(remote->components),
                                                               static_cast<int>(hosts.size()),
                                                               osc.value_or("?")).c_str());
  const auto warn = warnings(ranks);
  std::string line;
  for (const auto& w : warn) line += (line.empty() ? "" : "; ") + w;
  std::printf("warnings: %s\n", warn.empty() ? "none" : line.c_str());
  return 0;
}
