#include <hmp/detail/call_tags.hpp>
#include <hmp/detail/mpi_finalized.hpp>
#include <hmp/detail/pool_core.hpp>
#include <hmp/errors.hpp>

#include <mpi.h>

#include <algorithm>

namespace hmp::detail {

PoolCore::PoolCore(const Communicator& comm, const PoolOptions& options, int default_threads)
    : ctx_(comm, options, default_threads),
      role_(ctx_.is_root() ? make_root_role(ctx_, pending_) : make_worker_role(ctx_)) {}

PoolCore::~PoolCore() {
  if (mpi_finalized()) return;  // a pool that outlived the Runtime (a static): MPI already cleaned up
  try {
    join_all(Outcome::keep);
  } catch (...) {
    // A destructor must not throw; the calls' owners saw their errors.
  }
}

void PoolCore::start(const std::shared_ptr<CallState>& call_ptr, Completion completion) {
  close_tails();
  CallState& call = *call_ptr;
  call.seq = next_seq_++;
  const CallTags tags = call_tags(call.seq);
  call.data_tag = tags.data;
  call.status_tag = tags.status;
  call.input_tag = tags.input;
  call.started = Clock::now();
  call.desc.waited_for = completion == Completion::wait;
  std::erase_if(pending_, [](const auto& weak) {
    const auto c = weak.lock();
    return !c || c->joined;
  });
  pending_.push_back(call_ptr);
  role_->start(call);
  if (completion == Completion::wait) join(call, std::nullopt);
}

bool PoolCore::join(CallState& call, GiveUpAt deadline, Outcome outcome) {
  if (!call.joined && !role_->join(call, deadline)) return false;
  if (call.tail_open)
    for (const auto& weak : pending_)
      if (auto c = weak.lock(); c.get() == &call && std::find(tails_.begin(), tails_.end(), c) == tails_.end())
        tails_.push_back(std::move(c));
  if (outcome == Outcome::raise) raise_outcome(call);
  return true;
}

void PoolCore::join_all(Outcome outcome) {
  for (auto& weak : pending_)
    if (auto call = weak.lock(); call && !call->joined) join(*call, std::nullopt, outcome);
  pending_.clear();
  close_tails();
}

void PoolCore::close_tails() {
  // Closed one at a time, in call order; a tail that throws (a timeout) is dropped.
  while (!tails_.empty()) {
    const auto call = std::move(tails_.front());
    tails_.erase(tails_.begin());
    if (call->tail_open) role_->close(*call);
  }
}

int PoolCore::next_owner() noexcept {
  const int k = static_cast<int>(apply_turn_++ % static_cast<std::uint64_t>(ctx_.size));
  return (ctx_.root + 1 + k) % ctx_.size;
}

}  // namespace hmp::detail
