// The untyped engine behind hmp::Pool: claims, messages, joins, errors,
// progress. See docs/design.md "Execution model": every call is collective, worker
// ranks do their share inside the call, root joins when it waits.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/call_state.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/call_schedule.hpp>
#include <hmp/detail/claim_counter.hpp>
#include <hmp/pool_options.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace hmp::detail {

using Clock = std::chrono::steady_clock;

class PoolCore {
 public:
  PoolCore(const Communicator& comm, const PoolOptions& options, int default_threads);
  PoolCore(const PoolCore&) = delete;
  PoolCore& operator=(const PoolCore&) = delete;
  ~PoolCore();

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  int root() const noexcept { return root_; }
  int threads() const noexcept { return threads_; }
  bool is_root() const noexcept { return rank_ == root_; }
  const Communicator& comm() const noexcept { return comm_; }

  /// Every rank, at the call: numbers the call; workers do their share and
  /// send it; with `synchronous`, every rank then joins.
  void start(const std::shared_ptr<CallState>& call, bool synchronous);
  /// Completes the call on this rank (root: its own share, every worker's
  /// results, the outcome sent to all; worker: the outcome). Returns false if
  /// `deadline` passed first (the call can be joined later). Throws
  /// TaskError/CollectiveMismatch when the call failed, unless `quiet`.
  bool join(CallState& call, std::optional<Clock::time_point> deadline, bool quiet = false);
  /// Root, without blocking: takes what has arrived; true once every rank's
  /// results are in and root has no work left (then join() is immediate).
  bool poll(CallState& call);
  /// Root, imap*: makes progress until new ranges are in call.arrived or the
  /// call is complete; returns false when nothing more will arrive.
  bool advance(CallState& call);
  /// Joins every pending call, in call order (close/join, destructor).
  void join_all(bool quiet);
  /// Seconds each rank spent in the tasks of the last call joined on root.
  const std::vector<double>& last_busy() const noexcept { return last_busy_; }
  double wait_timeout() const noexcept { return wait_timeout_; }
  /// The rank that runs the next apply/Process: workers in turn, root last.
  int next_owner() noexcept {
    const int k = static_cast<int>(apply_turn_++ % static_cast<std::uint64_t>(size_));
    return (root_ + 1 + k) % size_;
  }

 private:
  CallShape shape_of(const CallState& call) const;
  bool claim(CallState& call, std::vector<Range>& out);
  void run_claim(CallState& call, const std::vector<Range>& ranges);
  void work_share(CallState& call);
  void send_data(CallState& call, bool done);
  void send_inputs(CallState& call);
  /// Waits (spinning first, see kSendSpin) until the call's sends are done;
  /// times out saying it waited for `what`.
  void complete_sends(CallState& call, const char* what);
  void receive_inputs(CallState& call);
  bool receive_one(CallState& call, int source);
  bool try_receive(CallState& call);
  bool root_step(CallState& call, bool compute);
  void finish_root(CallState& call);
  bool work_on_other_call(const CallState& waiting);
  bool wait_status(CallState& call, std::optional<Clock::time_point> deadline);
  void draw_progress(CallState& call, bool final);
  [[noreturn]] void timed_out(const CallState& call, const std::string& what) const;
  void reap_sends();
  /// Receives the message MPI_Iprobe just found into recv_buffer_; the bytes
  /// stay valid until the next receive.
  std::span<const std::byte> receive_probed(int source, int tag);

  Communicator comm_;
  int rank_ = 0, size_ = 1, root_ = 0, threads_ = 1;
  bool progress_ = false;
  bool tty_ = false;
  double wait_timeout_ = 600;
  AtomicCells<std::uint64_t> counters_;  // 0: the claim counter; 1 + r: items rank r ran (progress)
  ClaimCounter claims_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t apply_turn_ = 0;
  std::vector<std::weak_ptr<CallState>> pending_;
  std::vector<double> last_busy_;
  // Root's status messages still in flight, with their buffers.
  std::vector<std::pair<MPI_Request, std::shared_ptr<std::vector<std::byte>>>> outgoing_;
  std::vector<std::byte> recv_buffer_;  // reused: see kKeepReceiveBuffer
};

}  // namespace hmp::detail
