// hmp::Pool: Python's multiprocessing.Pool over MPI ranks, with OpenMP
// threads inside each rank. Every call is collective (all ranks of the pool
// make the same calls in the same order); results land on root.
#pragma once

#include <hmp/async_result.hpp>
#include <hmp/detail/pool_core.hpp>
#include <hmp/detail/typed_call.hpp>
#include <hmp/imap_result.hpp>
#include <hmp/pool_options.hpp>
#include <hmp/runtime.hpp>
#include <hmp/schedule.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <source_location>
#include <tuple>
#include <type_traits>
#include <type_traits>
#include <vector>

namespace hmp {

/// Inputs that only root holds: items are sent to the rank that processes
/// them (statically scheduled, since root must know who takes what).
template <class V>
struct FromRoot {
  V range;
};
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R>
auto from_root(R&& range) {
  return FromRoot<std::views::all_t<R>>{std::views::all(std::forward<R>(range))};
}

/// Inputs that only root holds and reads as the results are consumed (a
/// generator, a file's lines: any input range), for imap / imap_unordered.
/// Other ranks never read theirs. See imap_stream.hpp.
template <class V>
struct FromRootStream {
  V range;
};
template <std::ranges::input_range R>
  requires(!(std::ranges::random_access_range<R> && std::ranges::sized_range<R>))
auto from_root(R&& range) {
  return FromRootStream<std::views::all_t<R>>{std::views::all(std::forward<R>(range))};
}

template <class R, class V, class F>
class IMapStream;

/// Tags for apply_async's trailing callbacks (Python's keyword arguments):
/// pool.apply_async(f, x, y, hmp::callback(cb), hmp::error_callback(ecb)).
template <class F>
struct Callback {
  F f;
};
template <class F>
struct ErrorCallback {
  F f;
};
template <class F>
Callback<F> callback(F f) {
  return {std::move(f)};
}
template <class F>
ErrorCallback<F> error_callback(F f) {
  return {std::move(f)};
}

/// Per-call options.
struct MapOptions {
  std::size_t chunksize = 0;           ///< 0: the schedule's default
  std::optional<Schedule> schedule;    ///< default: the pool's
  bool everywhere = false;             ///< results on every rank, not only root
};

namespace detail {
template <class T>
struct is_from_root : std::false_type {};
template <class V>
struct is_from_root<FromRoot<V>> : std::true_type {};

template <class In>
struct input_of {
  using type = std::ranges::range_value_t<In>;
};
template <class V>
struct input_of<FromRoot<V>> {
  using type = std::ranges::range_value_t<V>;
};
template <class V>
struct input_of<FromRootStream<V>> {
  using type = std::ranges::range_value_t<V>;
};

template <bool Star, class F, class Item>
struct result_of {
  using type = std::invoke_result_t<F&, const Item&>;
};
template <class F, class Item>
struct result_of<true, F, Item> {
  using type = decltype(std::apply(std::declval<F&>(), std::declval<const Item&>()));
};

template <class T>
struct is_callback : std::false_type {};
template <class F>
struct is_callback<Callback<F>> : std::true_type {};
template <class F>
struct is_callback<ErrorCallback<F>> : std::true_type {};

// The arguments of apply_async that are not callbacks, as a tuple of copies.
template <class A>
auto plain_arg(A&& a) {
  if constexpr (is_callback<std::decay_t<A>>::value)
    return std::tuple<>();
  else
    return std::tuple<std::decay_t<A>>(std::forward<A>(a));
}
template <class T>
struct is_error_callback : std::false_type {};
template <class F>
struct is_error_callback<ErrorCallback<F>> : std::true_type {};
}  // namespace detail

template <bool Star, class F, class In>
using pool_result_t = std::decay_t<typename detail::result_of<Star, std::decay_t<F>,
                                                              typename detail::input_of<std::remove_cvref_t<In>>::type>::type>;

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
    using R = pool_result_t<false, F, In>;
    auto call = prepare<false, R>("map", std::forward<F>(f), std::forward<In>(inputs), o, false, false, where);
    core_->start(call, true);
    return take(call);
  }
  /// map with Python's chunksize argument.
  template <class F, class In>
  auto map(F&& f, In&& inputs, std::size_t chunksize, std::source_location where = std::source_location::current()) {
    return map(std::forward<F>(f), std::forward<In>(inputs), chunked(chunksize), where);
  }

  /// As map, returning at once on root (workers compute their share inside
  /// the call); root does its share in get()/wait(). `callback` (root, on
  /// success) and `error_callback` (root, on TaskError) run at root's wait.
  template <class F, class In, class R = pool_result_t<false, F, In>>
  AsyncResult<std::vector<R>> map_async(F&& f, In&& inputs, MapOptions o = {},
                                        std::type_identity_t<std::function<void(const std::vector<R>&)>> callback = {},
                                        std::function<void(const TaskError&)> error_callback = {},
                                        std::source_location where = std::source_location::current()) {
    auto call = prepare<false, R>("map_async", std::forward<F>(f), std::forward<In>(inputs), o, false, true, where);
    return launch(call, std::move(callback), std::move(error_callback));
  }

  // ---- starmap: each item is a tuple unpacked into f ------------------------
  /// As map, with each item a tuple (or pair) unpacked into f's arguments.
  template <class F, class In>
  auto starmap(F&& f, In&& inputs, MapOptions o = {}, std::source_location where = std::source_location::current()) {
    using R = pool_result_t<true, F, In>;
    auto call = prepare<true, R>("starmap", std::forward<F>(f), std::forward<In>(inputs), o, false, false, where);
    core_->start(call, true);
    return take(call);
  }
  /// As map_async, with each item a tuple unpacked into f's arguments.
  template <class F, class In, class R = pool_result_t<true, F, In>>
  AsyncResult<std::vector<R>> starmap_async(F&& f, In&& inputs, MapOptions o = {},
                                            std::type_identity_t<std::function<void(const std::vector<R>&)>> callback = {},
                                            std::function<void(const TaskError&)> error_callback = {},
                                            std::source_location where = std::source_location::current()) {
    auto call = prepare<true, R>("starmap_async", std::forward<F>(f), std::forward<In>(inputs), o, false, true, where);
    return launch(call, std::move(callback), std::move(error_callback));
  }

  // ---- imap / imap_unordered: root iterates results as they arrive ---------
  /// Root iterates the results in input order as they arrive (see IMapResult);
  /// chunks of `chunksize` items are claimed dynamically.
  template <class F, class In, class R = pool_result_t<false, F, In>>
  IMapResult<R> imap(F&& f, In&& inputs, std::size_t chunksize = 1,
                     std::source_location where = std::source_location::current()) {
    auto call = prepare<false, R>("imap", std::forward<F>(f), std::forward<In>(inputs),
                                  chunked(chunksize), true, true, where);
    core_->start(call, false);
    return IMapResult<R>(call, core_.get(), true);
  }
  /// As imap, yielding in completion order (IMapResult's iterator has index()).
  template <class F, class In, class R = pool_result_t<false, F, In>>
  IMapResult<R> imap_unordered(F&& f, In&& inputs, std::size_t chunksize = 1,
                               std::source_location where = std::source_location::current()) {
    auto call = prepare<false, R>("imap_unordered", std::forward<F>(f), std::forward<In>(inputs),
                                  chunked(chunksize), true, true, where);
    core_->start(call, false);
    return IMapResult<R>(call, core_.get(), false);
  }

  /// imap over hmp::from_root(input_range): root reads the range a window
  /// at a time (4 x size() x chunksize items) as its results are consumed,
  /// so it may be lazy or endless; workers serve every window inside the
  /// call. Root must iterate the result to its end or destroy it before its
  /// next call on the pool.
  template <class F, class V, class R = pool_result_t<false, F, FromRootStream<V>>>
  IMapStream<R, V, std::decay_t<F>> imap(F&& f, FromRootStream<V> inputs, std::size_t chunksize = 1,
                                         std::source_location where = std::source_location::current()) {
    require_member("imap");
    return {*this, std::forward<F>(f), std::move(inputs.range), chunksize, true, where};
  }
  /// As the streamed imap, yielding each window's results in completion order.
  template <class F, class V, class R = pool_result_t<false, F, FromRootStream<V>>>
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
    auto plain = std::tuple_cat(detail::plain_arg(std::forward<Args>(args))...);
    auto task = [f = std::decay_t<F>(std::forward<F>(f)), plain] { return std::apply(f, plain); };
    auto result = apply_on(core_->next_owner(), false, std::move(task), "apply");
    (install_callback(*result.second, args), ...);
    return std::move(result.first);
  }

  /// The rank the next apply would run on (and moves the turn on).
  int core_owner_turn() { return core_->next_owner(); }

  /// apply_async of task() on the given rank; with `everywhere` every rank
  /// gets the result. (The building block of apply and hmp::Process.)
  template <class Task, class R = std::decay_t<std::invoke_result_t<Task&>>>
  std::pair<AsyncResult<R>, detail::TypedCall<R>*> apply_on(int owner, bool everywhere, Task task, const char* kind) {
    if (owner < 0 || owner >= size())
      throw UsageError("hmp::Pool::apply_on: rank " + std::to_string(owner) + " is not in the pool (0.." +
                       std::to_string(size() - 1) + ")");
    MapOptions o;
    o.everywhere = everywhere;
    auto call = prepare<false, R>(kind, [task = std::move(task)](std::size_t) mutable { return task(); },
                                  std::views::iota(std::size_t{0}, std::size_t{1}), o, false, true,
                                  std::source_location::current());
    call->owner = owner;
    auto* c = call.get();
    static const R none{};
    const bool here = is_root() || everywhere;
    // Callbacks are installed by the caller before the call can complete:
    // root completes it only when it waits.
    AsyncResult<R> result(call, core_.get(), [c, here]() -> const R& { return here ? c->first() : none; });
    core_->start(call, false);
    return {std::move(result), c};
  }

  // ---- index spaces --------------------------------------------------------
  /// f(i) for i in 0..n-1, on every rank's team; returns when all are done.
  template <class F>
  void for_each(std::size_t n, F&& f, MapOptions o = {}, std::source_location where = std::source_location::current()) {
    auto call = prepare<false, void>("for_each", std::forward<F>(f), std::views::iota(std::size_t{0}, n), o, false,
                                     false, where);
    core_->start(call, true);
  }

 protected:
  detail::PoolCore& core() { return *core_; }
  static MapOptions chunked(std::size_t chunksize) {
    MapOptions o;
    o.chunksize = chunksize;
    return o;
  }

  template <bool Star, class R, class F, class In>
  std::shared_ptr<detail::TypedCall<R>> prepare(const char* kind, F&& f, In&& inputs, const MapOptions& o,
                                                 bool streaming, bool keep_copy, std::source_location where) {
    if (closed_) throw UsageError(std::string("hmp::Pool::") + kind + " on a closed pool: make calls before close()");
    require_member(kind);
    auto call = std::make_shared<detail::TypedCall<R>>();
    call->schedule = o.schedule.value_or(schedule_);
    if (o.chunksize) call->schedule.chunksize = o.chunksize;
    call->everywhere = o.everywhere;
    call->streaming = streaming;
    call->sig.kind = kind;
    call->sig.file = where.file_name();
    call->sig.line = where.line();
    call->sig.type = detail::type_name<R>();
    using Raw = std::remove_cvref_t<In>;
    using Task = std::decay_t<F>;
    if constexpr (detail::is_from_root<Raw>::value) {
      using V = decltype(inputs.range);
      using T = std::ranges::range_value_t<V>;
      detail::require_sendable<T>();
      // Root's items where they are (a synchronous call over a contiguous
      // range: the caller's data outlives the call), else a copy; workers
      // fill `own` with the items root sends them.
      struct Items {
        std::vector<T> own;
        std::span<const T> view;
      };
      auto items = std::make_shared<Items>();
      if (is_root()) {
        if constexpr (std::ranges::contiguous_range<V>) {
          if (!keep_copy) items->view = std::span<const T>(std::ranges::data(inputs.range), std::ranges::size(inputs.range));
        }
        if (items->view.size() != static_cast<std::size_t>(std::ranges::size(inputs.range))) {
          items->own.assign(std::ranges::begin(inputs.range), std::ranges::end(inputs.range));
          items->view = items->own;
        }
      }
      call->n = items->view.size();
      call->inputs_from_root = true;
      auto* c = call.get();
      call->pack_inputs = [items](std::vector<std::byte>& out, std::span<const detail::Range> ranges) {
        for (const auto& r : ranges) detail::pack(out, items->view.subspan(r.begin, r.end - r.begin));
      };
      call->unpack_inputs = [items, c](std::uint64_t n, std::span<const std::byte> in,
                                       std::span<const detail::Range> ranges) {
        detail::reserve_fresh(items->own, n);
        items->own.resize(n);
        items->view = items->own;
        if constexpr (!std::is_void_v<R>) c->slots.resize(n);
        std::size_t off = 0;
        for (const auto& r : ranges)
          off += detail::unpack(in.subspan(off), std::span<T>(items->own.data() + r.begin, r.end - r.begin));
      };
      call->sig.n = call->n;
      detail::wire<R, Star>(call, Task(std::forward<F>(f)),
                            [items](std::uint64_t i) -> const T& { return items->view[i]; }, threads(), rank());
    } else {
      static_assert(std::ranges::random_access_range<Raw> && std::ranges::sized_range<Raw>,
                    "hmp::Pool: inputs must be a sized random-access range (vector, span, iota...) or "
                    "hmp::from_root(range); an input range read as it is consumed (hmp::from_root(generator)) "
                    "works with imap and imap_unordered");
      call->n = static_cast<std::size_t>(std::ranges::size(inputs));
      call->sig.n = call->n;
      if constexpr (std::ranges::view<Raw>) {
        // Views are cheap to copy and do not own: keep the view.
        detail::wire<R, Star>(call, Task(std::forward<F>(f)),
                              [v = Raw(inputs)](std::uint64_t i) -> decltype(auto) {
                                return std::ranges::begin(v)[static_cast<std::ptrdiff_t>(i)];
                              },
                              threads(), rank());
      } else if (keep_copy) {
        // Async calls run on root when it waits: keep the inputs alive until
        // then (Python copies them at the call, too).
        using T = std::ranges::range_value_t<Raw>;
        auto items = std::make_shared<std::vector<T>>(std::ranges::begin(inputs), std::ranges::end(inputs));
        detail::wire<R, Star>(call, Task(std::forward<F>(f)),
                              [items](std::uint64_t i) -> const T& { return (*items)[i]; }, threads(), rank());
      } else {
        const auto* p = &inputs;  // synchronous: the caller's range outlives the call
        detail::wire<R, Star>(call, Task(std::forward<F>(f)),
                              [p](std::uint64_t i) -> decltype(auto) {
                                return std::ranges::begin(*p)[static_cast<std::ptrdiff_t>(i)];
                              },
                              threads(), rank());
      }
    }
    return call;
  }

  template <class R>
  std::vector<R> take(const std::shared_ptr<detail::TypedCall<R>>& call) {
    if (!is_root() && !call->everywhere) return {};
    if constexpr (std::is_same_v<R, bool>)
      return call->results();
    else
      return std::move(call->slots);
  }

  template <class R>
  AsyncResult<std::vector<R>> launch(const std::shared_ptr<detail::TypedCall<R>>& call,
                                     std::function<void(const std::vector<R>&)> callback,
                                     std::function<void(const TaskError&)> error_callback) {
    auto* c = call.get();
    if (callback) call->on_success = [c, cb = std::move(callback)] { cb(c->results()); };
    if (error_callback) call->on_error = std::move(error_callback);
    core_->start(call, false);
    auto empty = std::make_shared<std::vector<R>>();
    const bool here = is_root() || call->everywhere;
    return AsyncResult<std::vector<R>>(call, core_.get(), [c, empty, here]() -> const std::vector<R>& {
      return here ? c->results() : *empty;
    });
  }

  template <class R, class A>
  void install_callback(detail::TypedCall<R>& c, const A& a) {
    using D = std::decay_t<A>;
    if constexpr (detail::is_error_callback<D>::value)
      c.on_error = [f = a.f](const TaskError& e) { f(e); };
    else if constexpr (detail::is_callback<D>::value)
      c.on_success = [f = a.f, p = &c] { f(static_cast<const R&>(p->first())); };
  }

 private:
  template <class R, class V, class F>
  friend class IMapStream;
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
