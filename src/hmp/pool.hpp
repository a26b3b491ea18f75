// hmp::Pool: Python's multiprocessing.Pool over MPI ranks, with OpenMP
// threads inside each rank. Every call is collective (all ranks of the pool
// make the same calls in the same order); results land on root.
#pragma once

#include <hmp/async_result.hpp>
#include <hmp/detail/input_capture.hpp>
#include <hmp/detail/pool_core.hpp>
#include <hmp/detail/pool_traits.hpp>
#include <hmp/detail/typed_call.hpp>
#include <hmp/imap_result.hpp>
#include <hmp/pool_arguments.hpp>
#include <hmp/pool_options.hpp>
#include <hmp/runtime.hpp>
#include <hmp/schedule.hpp>

#include <functional>
#include <memory>
#include <ranges>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace hmp {

class Process;
template <class R, class V, class F>
class IMapStream;

class Pool {
 public:
  /// Collective over the pool's communicator (default: the world).
  explicit Pool(Runtime& rt, PoolOptions options = {});
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  /// An open pool is closed and joined, collectively (Python's `with` block
  /// terminates instead: under SPMD every rank must finish the same calls).
  ~Pool();

  /// The pool's ranks (with PoolOptions::processes, k on every rank).
  int size() const noexcept { return core_ ? core_->size() : outside_.size; }
  /// This rank's place in the pool; -1 on a rank that is not a member.
  int rank() const noexcept { return core_ ? core_->rank() : -1; }
  int root() const noexcept { return core_ ? core_->root() : outside_.root; }
  bool is_root() const noexcept { return core_ && core_->is_root(); }
  int threads() const noexcept { return core_ ? core_->threads() : outside_.threads; }
  /// Whether this rank is one of the pool's (false only on the ranks that
  /// PoolOptions::processes leaves out: they must not make calls on it).
  bool member() const noexcept { return core_ != nullptr; }
  /// Seconds each rank spent in the tasks of the last call root joined (root only).
  const std::vector<double>& last_busy_seconds() const noexcept {
    return core_ ? core_->last_busy() : outside_.busy;
  }

  /// No more calls may be made.
  void close();
  /// After close(): waits for every outstanding call (collective).
  void join();
  /// Stops the pool: outstanding calls are completed (a rank cannot be killed
  /// under MPI) and their results dropped; no more calls may be made.
  void terminate();

  // ---- map ---------------------------------------------------------------
  /// f(item) for every item of `inputs` (a sized random-access range every
  /// rank holds alike, or hmp::from_root(range)). Root gets std::vector<R> in
  /// input order; other ranks an empty vector (unless o.everywhere). Returns
  /// when every item is done; TaskError on every rank if a task threw.
  template <class F, class In>
  auto map(F&& f, In&& inputs, MapOptions o = {}, std::source_location where = std::source_location::current()) {
    return run_sync<false>("map", std::forward<F>(f), std::forward<In>(inputs), o, where);
  }
  /// map with Python's chunksize argument.
  template <class F, class In>
  auto map(F&& f, In&& inputs, std::size_t chunksize, std::source_location where = std::source_location::current()) {
    return map(std::forward<F>(f), std::forward<In>(inputs), chunked(chunksize), where);
  }

  /// As map, returning at once on root (workers compute their share inside
  /// the call); root does its share in get()/wait(). hmp::callback(cb) (root,
  /// on success, with the results) and hmp::error_callback(ecb) (root, on
  /// TaskError) run at root's wait, as with apply_async.
  template <class F, class In, class C = NoCallback, class E = NoCallback>
  auto map_async(F&& f, In&& inputs, MapOptions o = {}, C callback = {}, E error_callback = {},
                 std::source_location where = std::source_location::current()) {
    return run_async<false>("map_async", std::forward<F>(f), std::forward<In>(inputs), o, callback, error_callback,
                            where);
  }

  // ---- starmap: each item is a tuple unpacked into f ------------------------
  /// As map, with each item a tuple (or pair) unpacked into f's arguments.
  template <class F, class In>
  auto starmap(F&& f, In&& inputs, MapOptions o = {}, std::source_location where = std::source_location::current()) {
    return run_sync<true>("starmap", std::forward<F>(f), std::forward<In>(inputs), o, where);
  }
  /// As map_async, with each item a tuple unpacked into f's arguments.
  template <class F, class In, class C = NoCallback, class E = NoCallback>
  auto starmap_async(F&& f, In&& inputs, MapOptions o = {}, C callback = {}, E error_callback = {},
                     std::source_location where = std::source_location::current()) {
    return run_async<true>("starmap_async", std::forward<F>(f), std::forward<In>(inputs), o, callback,
                           error_callback, where);
  }

  // ---- imap / imap_unordered: root iterates results as they arrive ---------
  /// Root iterates the results in input order as they arrive (see IMapResult);
  /// chunks of `chunksize` items are claimed dynamically.
  template <class F, class In, class R = detail::pool_result_t<false, F, In>>
  IMapResult<R> imap(F&& f, In&& inputs, std::size_t chunksize = 1,
                     std::source_location where = std::source_location::current()) {
    return run_streaming<R>("imap", std::forward<F>(f), std::forward<In>(inputs), chunksize, IMapOrder::input, where);
  }
  /// As imap, yielding in completion order (IMapResult's iterator has index()).
  template <class F, class In, class R = detail::pool_result_t<false, F, In>>
  IMapResult<R> imap_unordered(F&& f, In&& inputs, std::size_t chunksize = 1,
                               std::source_location where = std::source_location::current()) {
    return run_streaming<R>("imap_unordered", std::forward<F>(f), std::forward<In>(inputs), chunksize,
                            IMapOrder::completion, where);
  }

  /// imap over hmp::from_root(input_range): root reads the range a window
  /// at a time (4 x size() x chunksize items) as its results are consumed,
  /// so it may be lazy or endless; workers serve every window inside the
  /// call. Root must iterate the result to its end or destroy it before its
  /// next call on the pool.
  template <class F, class V, class R = detail::pool_result_t<false, F, FromRootStream<V>>>
  IMapStream<R, V, std::decay_t<F>> imap(F&& f, FromRootStream<V> inputs, std::size_t chunksize = 1,
                                         std::source_location where = std::source_location::current()) {
    require_member("imap");
    return {*this, std::forward<F>(f), std::move(inputs.range), chunksize, true, where};
  }
  /// As the streamed imap, yielding each window's results in completion order.
  template <class F, class V, class R = detail::pool_result_t<false, F, FromRootStream<V>>>
  IMapStream<R, V, std::decay_t<F>> imap_unordered(F&& f, FromRootStream<V> inputs, std::size_t chunksize = 1,
                                                   std::source_location where = std::source_location::current()) {
    require_member("imap_unordered");
    return {*this, std::forward<F>(f), std::move(inputs.range), chunksize, false, where};
  }

  // ---- apply / apply_async: one task on one rank ------------------------------
  /// Runs f(args...) on one rank (workers in turn, root last); the result
  /// reaches root (other ranks get a default value). Collective.
  template <class F, class... Args>
  auto apply(F&& f, Args&&... args) {
    return apply_async(std::forward<F>(f), std::forward<Args>(args)...).get();
  }
  /// As apply, returning at once on root; the owner rank runs the task inside
  /// the call. Trailing hmp::callback(cb) / hmp::error_callback(ecb) run on root.
  template <class F, class... Args>
  auto apply_async(F&& f, Args&&... args) {
    require_member("apply_async");
    auto plain = std::tuple_cat(detail::plain_arg(std::forward<Args>(args))...);
    auto task = [f = std::decay_t<F>(std::forward<F>(f)), plain] { return std::apply(f, plain); };
    using R = std::decay_t<std::invoke_result_t<decltype(task)&>>;
    std::shared_ptr<detail::TypedCall<R>> call;
    auto result = apply_on(core_->next_owner(), Delivery::to_root, std::move(task), "apply", &call);
    (install_callback<Results::one>(*call, args), ...);
    return result;
  }

  // ---- index spaces --------------------------------------------------------
  /// f(i) for i in 0..n-1, on every rank's team; returns when all are done.
  template <class F>
  void for_each(std::size_t n, F&& f, MapOptions o = {}, std::source_location where = std::source_location::current()) {
    auto call = prepare<false, void>("for_each", std::forward<F>(f), std::views::iota(std::size_t{0}, n), o,
                                     detail::Flow::batch, detail::InputLifetime::call, where);
    core_->start(call, detail::Completion::wait);
  }

 private:
  friend class Process;  // runs its targets with apply_on
  template <class R, class V, class F>
  friend class IMapStream;  // a streamed imap is a series of imap calls
  using Delivery = detail::Delivery;

  static MapOptions chunked(std::size_t chunksize) {
    MapOptions o;
    o.chunksize = chunksize;
    return o;
  }

  /// The call's description, the same on every rank.
  detail::CallDescription describe(const char* kind, const MapOptions& o, detail::Flow flow,
                                   std::source_location where, const std::string& type) const;

  template <bool Star, class R, class F, class In>
  std::shared_ptr<detail::TypedCall<R>> prepare(const char* kind, F&& f, In&& inputs, const MapOptions& o,
                                                 detail::Flow flow, detail::InputLifetime lifetime,
                                                 std::source_location where) {
    require_member(kind);
    using Task = std::decay_t<F>;
    return detail::capture_inputs(std::forward<In>(inputs), lifetime, is_root(), [&](std::size_t n, auto access) {
      auto call = detail::make_typed_call<R, Star>(Task(std::forward<F>(f)), std::move(access));
      call->desc = describe(kind, o, flow, where, detail::type_name<R>());
      call->desc.n = call->desc.sig.n = n;
      return call;
    });
  }

  template <bool Star, class F, class In>
  auto run_sync(const char* kind, F&& f, In&& inputs, const MapOptions& o, std::source_location where) {
    using R = detail::pool_result_t<Star, F, In>;
    auto call = prepare<Star, R>(kind, std::forward<F>(f), std::forward<In>(inputs), o, detail::Flow::batch,
                                 detail::InputLifetime::call, where);
    core_->start(call, detail::Completion::wait);
    return take(call);
  }

  template <bool Star, class F, class In, class C, class E>
  auto run_async(const char* kind, F&& f, In&& inputs, const MapOptions& o, const C& callback,
                 const E& error_callback, std::source_location where) {
    using R = detail::pool_result_t<Star, F, In>;
    auto call = prepare<Star, R>(kind, std::forward<F>(f), std::forward<In>(inputs), o, detail::Flow::batch,
                                 detail::InputLifetime::copy, where);
    install_callback<Results::all>(*call, callback);
    install_callback<Results::all>(*call, error_callback);
    core_->start(call, detail::Completion::later);
    auto* c = call.get();
    const bool here = is_root() || call->desc.everywhere();
    return AsyncResult<std::vector<R>>(call, core_.get(), [c, here, empty = std::vector<R>()]() -> const std::vector<R>& {
      return here ? c->results() : empty;
    });
  }

  template <class R, class F, class In>
  IMapResult<R> run_streaming(const char* kind, F&& f, In&& inputs, std::size_t chunksize, IMapOrder order,
                              std::source_location where) {
    auto call = prepare<false, R>(kind, std::forward<F>(f), std::forward<In>(inputs), chunked(chunksize),
                                  detail::Flow::streaming, detail::InputLifetime::copy, where);
    core_->start(call, detail::Completion::later);
    return IMapResult<R>(call, core_.get(), order);
  }

  /// apply_async of task() on rank `owner`; with Delivery::everywhere every
  /// rank gets the result. (The building block of apply and hmp::Process.)
  template <class Task, class R = std::decay_t<std::invoke_result_t<Task&>>>
  AsyncResult<R> apply_on(int owner, Delivery delivery, Task task, const char* kind,
                          std::shared_ptr<detail::TypedCall<R>>* made = nullptr) {
    check_rank(owner);
    MapOptions o;
    o.everywhere = delivery == Delivery::everywhere;
    auto call = prepare<false, R>(kind, [task = std::move(task)](std::size_t) mutable { return task(); },
                                  std::views::iota(std::size_t{0}, std::size_t{1}), o, detail::Flow::batch,
                                  detail::InputLifetime::copy, std::source_location::current());
    call->desc.owner = owner;
    if (made) *made = call;
    auto* c = call.get();
    const bool here = is_root() || o.everywhere;
    // Callbacks are installed by the caller before the call can complete:
    // root completes it only when it waits.
    AsyncResult<R> result(call, core_.get(), [c, here, none = R{}]() -> const R& { return here ? c->first() : none; });
    core_->start(call, detail::Completion::later);
    return result;
  }

  void check_rank(int owner) const;

  template <class R>
  std::vector<R> take(const std::shared_ptr<detail::TypedCall<R>>& call) {
    if (!is_root() && !call->desc.everywhere()) return {};
    if constexpr (std::is_same_v<R, bool>)
      return call->results();
    else
      return std::move(call->slots);
  }

  /// What a success callback gets: the result vector (map_async,
  /// starmap_async) or the one result (apply_async).
  enum class Results { all, one };

  /// Installs `a` if it is a callback (apply_async's other arguments are
  /// the task's; map_async's must be callbacks).
  template <Results Which, class R, class A>
  static void install_callback(detail::TypedCall<R>& c, const A& a) {
    using D = std::decay_t<A>;
    if constexpr (detail::is_error_callback<D>::value) {
      c.desc.on_error = [f = a.f](const TaskError& e) { f(e); };
    } else if constexpr (detail::is_success_callback<D>::value) {
      if constexpr (Which == Results::one)
        c.desc.on_success = [f = a.f, p = &c] { f(static_cast<const R&>(p->first())); };
      else
        c.desc.on_success = [f = a.f, p = &c] { f(p->results()); };
    } else {
      static_assert(Which == Results::one || std::is_same_v<D, NoCallback>,
                    "hmp::Pool: pass map_async's callbacks as hmp::callback(cb) and hmp::error_callback(ecb)");
    }
  }

  void require_member(const char* kind) const;

  std::unique_ptr<detail::PoolCore> core_;  // null on a rank outside the pool
  // What a rank outside the pool (PoolOptions::processes) knows of it.
  struct Outside {
    int size = 0;
    int root = 0;
    int threads = 1;
    std::vector<double> busy;
  } outside_;
  Schedule schedule_;
  bool closed_ = false;
};

}  // namespace hmp

#include <hmp/imap_stream.hpp>  // IMapStream builds on Pool::imap
