#include <hmp/detail/cross_memory.hpp>
#include <hmp/detail/message.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/pool_context.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace hmp::detail {

namespace {

double timeout_from_environment(double asked) { return asked > 0 ? asked : wait_timeout_from_environment(); }

bool progress_from_environment(bool asked) {
  const char* env = std::getenv("HMP_PROGRESS");
  return asked || (env && std::string(env) == "1");
}

// The receive buffer is kept between messages up to this size: fresh pages
// cost a page fault each (several µs on a VM), and MPI's single-copy receive
// of MBs of results into new memory was slower than computing them.
constexpr std::size_t kKeepReceiveBuffer = std::size_t{64} << 20;

// A failure's message encoded and decoded once on this thread, at the
// pool's start: the first use of the thread's streams (byte_stream.hpp) is
// costly, and under SMPI more so the more ranks (their program loaded once a
// rank): 0.14 ms of a rank's simulated time at 1,024 ranks, 0.55 ms at
// 4,096, which a failing rank spent before telling root (docs/performance.md).
void warm_failure_messages() {
  StatusHeader h, back;
  h.failure = TaskFailure{};
  decode(encode(h), back);
}

// Nodes without root, of 2 ranks or more, when the pool spans nodes.
NodeResults node_results_for(const Communicator& comm, const NodeGroups& groups, int root) {
  if (groups.nodes < 2 || groups.node.size() < 2 || root < 0 || root >= comm.size() ||
      is_on_node(comm, root, groups.node))
    return {};
  return NodeResults(comm, groups.node);
}

}  // namespace

PoolContext::PoolContext(const Communicator& c, const PoolOptions& options, int default_threads)
    : comm(c.dup()),
      rank(comm.rank()),
      size(comm.size()),
      root(options.root),
      threads(pool_threads(options, default_threads)),
      progress(progress_from_environment(options.progress)),
      tty(isatty(STDERR_FILENO) != 0),
      wait_timeout(timeout_from_environment(options.wait_timeout)),
      groups(split_by_node(comm)),
      tree(make_relay_tree(comm, groups, options.root)),
      counters(comm, 1 + static_cast<std::size_t>(comm.size())),
      node_blocks(groups.nodes > 1 ? std::make_unique<NodeBlocks>(groups, wait_timeout, rank, root)
                                   : nullptr),
      board(groups.nodes > 1 ? StopBoard(groups, rank == root && groups.node.rank() == 0) : StopBoard()),
      claims(counters, 0, node_blocks.get()),
      slabs(comm, groups, root, wait_timeout),
      node_results(node_results_for(comm, groups, options.root)),
      reads_root_memory(ranks_reading_root_memory(comm, options.root, groups.node)) {
  if (root < 0 || root >= size)
    throw UsageError("hmp::Pool: root " + std::to_string(root) + " is not a rank of the pool (0.." +
                     std::to_string(size - 1) + ")");
  warm_failure_messages();
  if (node_blocks) {
    node_blocks->serve_from(comm.native(), root, rank);
    node_blocks->watch(board);
  }
}

bool PoolContext::claim(CallState& call) {
  auto& local = call.local;
  local.claimed.clear();
  if (!local.done && !local.failed.load(std::memory_order_relaxed) &&
      !local.stopped.load(std::memory_order_relaxed) && !local.stop.now() &&
      call.plan->next(rank, local.cursor, local.claimed))
    return true;
  local.done = true;
  return false;
}

void PoolContext::run_claimed(CallState& call, std::span<void* const> dests) {
  auto& local = call.local;
  call.run(local.claimed, dests, threads, rank);
  if (progress) counters.fetch_add(1 + static_cast<std::size_t>(rank), items_in(local.claimed));
}

bool PoolContext::sends_done(CallState& call) {
  auto& reqs = call.local.send_requests;
  if (reqs.empty()) return true;
  int done = 0;
  HMP_MPI_CHECK(MPI_Testall(static_cast<int>(reqs.size()), reqs.data(), &done, MPI_STATUSES_IGNORE));
  if (!done) return false;
  reqs.clear();
  call.local.send_buffers.clear();
  return true;
}

int PoolContext::wait_any(CallState& call, Awaited what, GiveUpAt deadline, std::span<MPI_Request> requests,
                          MPI_Status& status) const {
  int index = MPI_UNDEFINED;
#ifdef HMP_SMPI
  // A simulated rank that polls costs the simulator events at every poll
  // (thousands of waiting ranks made a run of 4,096 ranks last hours); one
  // blocked in MPI costs none until its message comes. A wait nobody ends
  // cannot hang: SimGrid ends a simulation whose ranks are all blocked.
  if (!deadline) {
    HMP_MPI_CHECK(MPI_Waitany(static_cast<int>(requests.size()), requests.data(), &index, &status));
    return index;
  }
#endif
  const bool arrived = wait_until(call, what, deadline, [&] {
    int flag = 0;
    HMP_MPI_CHECK(MPI_Testany(static_cast<int>(requests.size()), requests.data(), &index, &flag, &status));
    return flag != 0;
  });
  return arrived ? index : -1;
}

bool PoolContext::probe(int source, int tag) const {
  int flag = 0;
  HMP_MPI_CHECK(MPI_Iprobe(source, tag, comm.native(), &flag, MPI_STATUS_IGNORE));
  return flag != 0;
}

int PoolContext::probe_any(int tag) const {
  int flag = 0;
  MPI_Status status;
  HMP_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, tag, comm.native(), &flag, &status));
  return flag ? status.MPI_SOURCE : -1;
}

std::span<const std::byte> PoolContext::receive_probed(int source, int tag) {
  MPI_Status status;
  HMP_MPI_CHECK(MPI_Probe(source, tag, comm.native(), &status));
  int count = 0;
  HMP_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &count));
  const auto bytes = static_cast<std::size_t>(count);
  if (bytes <= kKeepReceiveBuffer && recv_buffer.size() > kKeepReceiveBuffer)
    std::vector<std::byte>().swap(recv_buffer);  // do not keep an outsized one
  if (recv_buffer.size() < bytes) recv_buffer.resize(bytes);
  HMP_MPI_CHECK(MPI_Recv(recv_buffer.data(), count, MPI_BYTE, source, tag, comm.native(), MPI_STATUS_IGNORE));
  return std::span<const std::byte>(recv_buffer.data(), bytes);
}

std::span<const std::byte> PoolContext::receive_part(int source, int tag, std::span<std::byte> dest) {
  if (dest.empty()) return receive_probed(source, tag);
  if (dest.size() > static_cast<std::size_t>(INT_MAX)) throw Error("hmp: a pool message is malformed");
  MPI_Status status;
  // A longer message fails the receive (MPI_ERR_TRUNCATE): an MpiError.
  HMP_MPI_CHECK(MPI_Recv(dest.data(), static_cast<int>(dest.size()), MPI_BYTE, source, tag, comm.native(), &status));
  int count = 0;
  HMP_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &count));
  if (static_cast<std::size_t>(count) != dest.size()) throw Error("hmp: a message from another rank is truncated");
  return dest;
}

std::string Awaited::text() const {
  std::string out(what);
  if (rank >= 0) out.append(" ").append(std::to_string(rank));
  return out;
}

void PoolContext::timed_out(const CallState& call, Awaited what, std::string_view from) const {
  throw wait_timed_out(rank, wait_timeout,
                       "in " + call.desc.sig.describe() + " (call #" + std::to_string(call.seq) + ") for " +
                           what.text() + std::string(from) + "; did every rank make this call?");
}

}  // namespace hmp::detail
