// hmp::AsyncResult<R>: Python's AsyncResult for pool calls.
#pragma once

#include <hmp/detail/pool_core.hpp>
#include <hmp/errors.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace hmp {

/// The result of an *_async call. get()/wait() are where root does its own
/// share and joins the workers', and where every rank learns the outcome:
/// call them on every rank, in the same order, like the call itself.
template <class R>
class AsyncResult {
 public:
  AsyncResult() = default;
  AsyncResult(std::shared_ptr<detail::CallState> state, detail::PoolCore* core, std::function<const R&()> value)
      : state_(std::move(state)), core_(core), value_(std::move(value)) {}

  /// Waits for the result: root gets the value; other ranks a default (empty)
  /// one, unless the call asked for results everywhere. Throws TaskError on
  /// every rank when a task failed.
  const R& get() {
    if (!check()->joined) core_->join(*state_, std::nullopt, detail::Outcome::keep);
    detail::raise_outcome(*state_);
    return value_();
  }
  /// As get(), but throws TimeoutError after `timeout`; the result can still
  /// be collected by a later get(). Timeouts are per rank.
  template <class Rep, class Period>
  const R& get(std::chrono::duration<Rep, Period> timeout) {
    if (!check()->joined && !core_->join(*state_, deadline(timeout), detail::Outcome::keep))
      throw TimeoutError("hmp: AsyncResult::get timed out on rank " + std::to_string(core_->rank()) +
                         " waiting for " + state_->desc.sig.describe() + "; call get() again to collect it");
    detail::raise_outcome(*state_);
    return value_();
  }
  /// Waits until the result is ready (no exception for failed tasks).
  void wait() {
    if (!check()->joined) core_->join(*state_, std::nullopt, detail::Outcome::keep);
  }
  /// Waits at most `timeout`; true when ready.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) {
    return check()->joined || core_->join(*state_, deadline(timeout), detail::Outcome::keep);
  }
  /// Without blocking: is the call complete? (Root's own share of a static
  /// schedule is computed only by get()/wait().)
  bool ready() { return check()->joined || core_->poll(*state_); }
  /// Whether the call completed without error; UsageError if not ready.
  bool successful() const {
    if (!state_ || !state_->joined) throw UsageError("hmp: AsyncResult::successful() before the result is ready");
    return !state_->failed();
  }

 private:
  // A joined call never touches the pool again, so a result may outlive it
  // (the pool's destructor joins every call).
  detail::CallState* check() const {
    if (!state_) throw UsageError("hmp: AsyncResult is empty (default-constructed or moved from)");
    return state_.get();
  }
  template <class Rep, class Period>
  static detail::Clock::time_point deadline(std::chrono::duration<Rep, Period> timeout) {
    return detail::Clock::now() + std::chrono::duration_cast<detail::Clock::duration>(timeout);
  }

  std::shared_ptr<detail::CallState> state_;
  detail::PoolCore* core_ = nullptr;
  std::function<const R&()> value_;
};

}  // namespace hmp
