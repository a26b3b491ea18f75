// What a pool call takes besides its function and inputs: per-call options
// (MapOptions), inputs that only root holds (hmp::from_root), and the
// callbacks of every *_async call (hmp::callback, hmp::error_callback:
// Python's keyword arguments).
#pragma once

#include <hmp/schedule.hpp>

#include <cstddef>
#include <optional>
#include <ranges>
#include <utility>

namespace hmp {

/// Per-call options.
struct MapOptions {
  std::size_t chunksize = 0;         ///< 0: the schedule's default
  std::optional<Schedule> schedule;  ///< default: the pool's
  bool everywhere = false;           ///< results on every rank, not only root
};

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

/// Runs on root with the result when an *_async call succeeds:
/// pool.map_async(f, xs, {}, hmp::callback(cb)), pool.apply_async(f, x, hmp::callback(cb)).
template <class F>
struct Callback {
  F f;
};
/// Runs on root with the TaskError when an *_async call fails.
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

/// No callback (the default of map_async's callback arguments).
struct NoCallback {};

}  // namespace hmp
