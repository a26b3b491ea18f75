// The two roles a rank plays in a pool (mpi4py's futures split them the same
// way into a client and servers): root hands out nothing but collects every
// result and the outcome (root_role.cpp); a worker does its share inside the
// call and learns the outcome from root (worker_role.cpp). Both claim and run
// through the PoolContext they share.
#pragma once

#include <hmp/detail/pool_context.hpp>

#include <memory>
#include <vector>

namespace hmp::detail {

class PoolRole {
 public:
  virtual ~PoolRole() = default;
  /// At the call, on every rank (numbered, not yet joined): sets up the
  /// call's schedule; a worker also does its share and sends it.
  virtual void start(CallState& call) = 0;
  /// Completes the call on this rank; false if `deadline` passed first.
  virtual bool join(CallState& call, GiveUpAt deadline) = 0;
  /// Without blocking: true once the call is complete (root: joins it).
  virtual bool poll(CallState& call) = 0;
  /// Root, imap*: progress until new ranges are in call.root.arrived;
  /// false when nothing more will arrive.
  virtual bool advance(CallState& call) = 0;
  /// Completes a call joined with its tail open (CallState::tail_open):
  /// takes or finishes the rest of its messages.
  virtual void close(CallState& call) = 0;
  /// Seconds each rank spent in the tasks of the last call joined on root.
  virtual const std::vector<double>& last_busy() const noexcept = 0;
};

/// The role of rank ctx.rank; root's sees the pool's pending calls (it does
/// its own share of later calls while it waits for an earlier one).
std::unique_ptr<PoolRole> make_root_role(PoolContext& ctx, const std::vector<std::weak_ptr<CallState>>& pending);
std::unique_ptr<PoolRole> make_worker_role(PoolContext& ctx);

}  // namespace hmp::detail
