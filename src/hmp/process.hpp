// hmp::Process: Python's multiprocessing.Process on MPI ranks. A process's
// target runs on one rank (workers in turn, root last); start, join and the
// rest are collective: every rank makes the same calls in the same order.
#pragma once

#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>  // ProcessOutcome holds a string
#include <hmp/runtime.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>

namespace hmp {

namespace detail {
struct ProcessRuntime;
std::shared_ptr<ProcessRuntime> process_runtime(Runtime& rt);
}  // namespace detail

/// Lets a target see that terminate() was asked for. A rank cannot be killed
/// safely under MPI (the job's communicators would be left half-way through
/// collectives), so hmp's terminate() is cooperative: the target polls this.
class StopToken {
 public:
  StopToken() = default;
  /// True once any rank called terminate() on the process.
  bool stop_requested() const;

 private:
  friend class Process;
  StopToken(std::shared_ptr<detail::ProcessRuntime> rt, int slot) : rt_(std::move(rt)), slot_(slot) {}
  std::shared_ptr<detail::ProcessRuntime> rt_;
  int slot_ = -1;
};

/// What became of a process's target (sent from the rank that ran it).
struct ProcessOutcome {
  int pid = 0;
  int rank = -1;
  int exitcode = 0;
  std::string error;       ///< "type: message" of what the target threw
  double started = 0;      ///< seconds since the epoch
  double ended = 0;
  template <class A>
  void serialize(A& ar) { ar(pid, rank, exitcode, error, started, ended); }
};

class Process {
 public:
  /// Collective. `target` is called as target(args...), or as
  /// target(StopToken, args...) when it takes a StopToken first.
  template <class F, class... Args>
  Process(Runtime& rt, F&& target, Args&&... args) : Process(rt) {
    auto bound = [f = std::decay_t<F>(std::forward<F>(target)),
                  a = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)](const StopToken& t) mutable {
      if constexpr (std::is_invocable_v<decltype(f)&, const StopToken&, std::decay_t<Args>&...>)
        std::apply([&](auto&... xs) { f(t, xs...); }, a);
      else
        std::apply(f, a);
    };
    body_ = std::move(bound);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  /// Joins a started process (a daemon is asked to stop first), collectively.
  ~Process();

  std::string name;
  /// A daemon is asked to stop (terminate()) when its Process or the Runtime
  /// goes away; other processes are waited for, as Python does at exit.
  bool daemon = false;

  /// Starts the target on its rank (collective, once: a second start throws).
  /// On that rank the target runs inside start().
  void start();
  /// Waits for the target to end (collective).
  void join();
  /// Waits at most `timeout`; true when the target has ended.
  template <class Rep, class Period>
  bool join(std::chrono::duration<Rep, Period> timeout) {
    check_open("join");
    if (!started_) throw UsageError("hmp::Process::join: can only join a started process");
    if (!result_.wait(timeout)) return false;
    collect();
    return true;
  }
  /// Root: whether the target is still running (or waiting for root to run
  /// it); other ranks know only what their last join told them.
  bool is_alive();
  /// nullopt until the target ended; then 0, or 1 when it threw.
  std::optional<int> exitcode() const { return exitcode_; }
  /// What the target threw ("type: message"), empty otherwise.
  const std::string& error() const { return outcome_.error; }
  /// The OS process id of the rank running the target (-1 before start).
  int pid() const { return pid_; }
  /// The rank running the target (-1 before start).
  int rank() const { return owner_; }
  /// The outcome sent back by the rank that ran the target (after join).
  const ProcessOutcome& outcome() const { return outcome_; }
  /// Asks the target to stop (cooperative: see StopToken).
  void terminate();
  /// Releases the process; throws UsageError while it is still running.
  void close();

 private:
  explicit Process(Runtime& rt);
  void check_open(const char* what) const;
  void collect();

  std::shared_ptr<detail::ProcessRuntime> prt_;
  std::function<void(const StopToken&)> body_;
  AsyncResult<ProcessOutcome> result_;
  int id_ = 0;
  int owner_ = -1;
  int pid_ = -1;
  bool started_ = false, joined_ = false, closed_ = false;
  std::optional<int> exitcode_;
  ProcessOutcome outcome_;
};

}  // namespace hmp
