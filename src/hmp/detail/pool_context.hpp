// What a pool's root role and worker role share: the pool's communicator
// and options, its counters (the claim counter and per-rank progress), the
// receive buffer, and the pieces of work both roles do: claiming and running
// a share of a call, waiting with a timeout that names who waited for what.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/backoff.hpp>
#include <hmp/detail/call_state.hpp>
#include <hmp/detail/claim_counter.hpp>
#include <hmp/detail/clock.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/node_results.hpp>
#include <hmp/detail/relay_tree.hpp>
#include <hmp/detail/result_slab.hpp>
#include <hmp/detail/stop_board.hpp>
#include <hmp/pool_options.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hmp::detail {

/// A deadline to give up at (a timed get/wait), or none.
using GiveUpAt = std::optional<Clock::time_point>;

/// What a wait waits for, named in its timeout's message: `what`, then
/// " <rank>" when `rank` >= 0. Nothing is formatted unless the wait times out.
struct Awaited {
  Awaited(const char* w, int r = -1) : what(w), rank(r) {}  // NOLINT: a text converts
  std::string_view what;
  int rank = -1;
  std::string text() const;
};

struct PoolContext {
  PoolContext(const Communicator& comm, const PoolOptions& options, int default_threads);

  Communicator comm;
  int rank = 0, size = 1, root = 0, threads = 1;
  bool progress = false;  ///< root draws a progress line; ranks count their items
  bool tty = false;
  double wait_timeout = 600;
  NodeGroups groups;                    ///< the pool's ranks by node
  RelayTree tree;                       ///< results and outcomes through node leaders (relay_tree.hpp)
  AtomicCells<std::uint64_t> counters;  ///< 0: the claim counter; 1 + r: items rank r ran
  std::unique_ptr<NodeBlocks> node_blocks;  ///< claims inside a node, when the pool spans nodes
  StopBoard board;                      ///< root stops a failed call's tasks on every node (stop_board.hpp)
  ClaimCounter claims;
  ResultSlabs slabs;                    ///< raw results of workers on root's node (result_slab.hpp)
  NodeResults node_results;             ///< a node's last messages without root's (node_results.hpp)
  /// Root: which ranks read from_root inputs from root's memory (cross_memory.hpp).
  std::vector<char> reads_root_memory;
  std::vector<std::byte> recv_buffer;  ///< reused between messages (see receive_probed)

  bool is_root() const noexcept { return rank == root; }
  CallShape shape_of(const CallState& call) const {
    const bool served = call.desc.waited_for && node_blocks && node_blocks->served();
    return {call.desc.n, size, threads, call.seq, call.desc.waited_for, served};
  }

  /// The next items of this rank's share into call.local.claimed; false
  /// when it has none left (or a task of it failed, or the call stopped).
  bool claim(CallState& call);
  /// Runs call.local.claimed, results to `dests` (one per range); the
  /// caller times it (call.local.clock), and after a failed task stops the
  /// call's claims (call.plan->stop_claims()).
  void run_claimed(CallState& call, std::span<void* const> dests);
  /// Whether a message with `tag` from `source` is waiting.
  bool probe(int source, int tag) const;
  /// The source of a message with `tag` that is waiting, from any rank; -1 if none.
  int probe_any(int tag) const;
  /// Receives the message probe() found; the bytes stay valid until the next receive.
  std::span<const std::byte> receive_probed(int source, int tag);
  /// Receives the next message from `source` with `tag` into `dest` (it
  /// must hold exactly dest.size() bytes), or with dest empty as receive_probed.
  std::span<const std::byte> receive_part(int source, int tag, std::span<std::byte> dest);
  /// Polls ready() until it holds; false if `deadline` passed first;
  /// TimeoutError after the pool's wait timeout, naming `what` (+ `from`).
  /// While call.local's sends are in flight, polls without sleeping (kSendSpin).
  template <class Ready>
  bool wait_until(CallState& call, Awaited what, GiveUpAt deadline, Ready&& ready) const;
  /// Waits until one of `requests` completes: its index (MPI_UNDEFINED when
  /// none is active), its status in `status`; -1 if `deadline` passed first;
  /// TimeoutError after the pool's wait timeout, naming `what`. Blocks in MPI
  /// in the simulated build (see posted_message.hpp); polls elsewhere, so
  /// the timeout holds and call.local's sends move (kSendSpin).
  int wait_any(CallState& call, Awaited what, GiveUpAt deadline, std::span<MPI_Request> requests,
               MPI_Status& status) const;
  /// Whether every send of call.local has completed (then they are released).
  static bool sends_done(CallState& call);
  [[noreturn]] void timed_out(const CallState& call, Awaited what, std::string_view from = {}) const;
};


// Waits for another rank spin this long before yielding or sleeping: most
// are a message's latency or the end of a peer's share, and a rank that
// yields on a busy machine may get its core back only ms later.
inline constexpr auto kSpin = std::chrono::microseconds(200);

// Open MPI moves a large message between ranks of a node (vader, without
// single copy: see Runtime::init) a 32 KB fragment per progress call of the
// sender. A sender that computes or sleeps meanwhile stretches 40 MB to
// seconds, so a rank with sends in flight spins in MPI this long (the
// copy's time) before backing off.
inline constexpr auto kSendSpin = std::chrono::milliseconds(200);

template <class Ready>
bool PoolContext::wait_until(CallState& call, Awaited what, GiveUpAt deadline, Ready&& ready) const {
  Backoff backoff(kSpin), sending(kSendSpin);
  const auto since = Clock::now();
  while (!ready()) {
    if (deadline && Clock::now() >= *deadline) return false;
    if (seconds_since(since) > wait_timeout) timed_out(call, what);
    if (sends_done(call))
      backoff.pause();
    else
      sending.pause();
  }
  return true;
}

}  // namespace hmp::detail
