// The untyped engine behind hmp::Pool: numbers each call, hands it to this
// rank's role (root_role.cpp or worker_role.cpp) and keeps the calls not yet
// joined. See docs/design.md: every call is collective, worker ranks do
// their share inside the call, root joins when it waits.
#pragma once

#include <hmp/detail/call_state.hpp>
#include <hmp/detail/pool_context.hpp>
#include <hmp/detail/pool_role.hpp>
#include <hmp/pool_options.hpp>

#include <memory>
#include <vector>

namespace hmp::detail {

/// Whether start() returns at once or after the call is joined.
enum class Completion { wait, later };
/// Whether join() throws the call's error or only completes it.
enum class Outcome { raise, keep };

class PoolCore {
 public:
  PoolCore(const Communicator& comm, const PoolOptions& options, int default_threads);
  PoolCore(const PoolCore&) = delete;
  PoolCore& operator=(const PoolCore&) = delete;
  ~PoolCore();

  int rank() const noexcept { return ctx_.rank; }
  int size() const noexcept { return ctx_.size; }
  int root() const noexcept { return ctx_.root; }
  int threads() const noexcept { return ctx_.threads; }
  bool is_root() const noexcept { return ctx_.is_root(); }
  const Communicator& comm() const noexcept { return ctx_.comm; }
  double wait_timeout() const noexcept { return ctx_.wait_timeout; }

  /// Every rank, at the call: numbers it and starts it (workers do their
  /// share and send it); with Completion::wait, every rank then joins.
  void start(const std::shared_ptr<CallState>& call, Completion completion);
  /// Completes the call on this rank (root: its own share, every worker's
  /// results, the outcome sent to all; worker: the outcome). Returns false if
  /// `deadline` passed first (the call can be joined later). Throws
  /// TaskError/CollectiveMismatch when the call failed, with Outcome::raise.
  bool join(CallState& call, GiveUpAt deadline, Outcome outcome = Outcome::raise);
  /// Without blocking: true once the call is complete (root joins it then).
  bool poll(CallState& call) { return role_->poll(call); }
  /// Root, imap*: makes progress until new ranges are in call.root.arrived
  /// or the call is complete; returns false when nothing more will arrive.
  bool advance(CallState& call) { return role_->advance(call); }
  /// Joins every pending call, in call order (close/join, destructor).
  void join_all(Outcome outcome);
  /// Completes the calls joined with their tail open (a failed call settled
  /// early: CallState::tail_open), before the next call and at the end.
  void close_tails();
  /// Seconds each rank spent in the tasks of the last call joined on root.
  const std::vector<double>& last_busy() const noexcept { return role_->last_busy(); }
  /// The rank that runs the next apply/Process: workers in turn, root last.
  int next_owner() noexcept;

 private:
  PoolContext ctx_;
  std::vector<std::weak_ptr<CallState>> pending_;
  std::vector<std::shared_ptr<CallState>> tails_;  ///< kept alive: their messages point into them
  std::unique_ptr<PoolRole> role_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t apply_turn_ = 0;
};

}  // namespace hmp::detail
