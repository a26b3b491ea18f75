// What the apps' pool.* methods share: busy time summed over a rank's
// threads, and "for_each over blocks, results in place" runs that remember
// which index ranges this rank wrote (what SharedArray::gather_to_root needs
// when the job spans several nodes).
#pragma once

#include <common/timing.hpp>

#include <hmp/index_range.hpp>
#include <hmp/pool.hpp>
#include <hmp/shared_array.hpp>
#include <hmp/split.hpp>

#include <mpi.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hmp::apps {

/// The pool of a method: `threads` OpenMP threads per rank, the rest default.
inline PoolOptions pool_options(int threads) {
  PoolOptions o;
  o.threads = threads;
  return o;
}

/// Per-call options with only a chunksize.
inline MapOptions chunks_of(std::size_t chunksize) {
  MapOptions o;
  o.chunksize = chunksize;
  return o;
}

/// Busy seconds of tasks that may run on several threads of a rank at once
/// (Busy itself is single-threaded): the sum of the tasks' wall times.
class TaskClock {
 public:
  template <class F>
  decltype(auto) measure(F&& f) {
    struct Add {
      std::atomic<double>& s;
      double t0;
      ~Add() { s.fetch_add(wall_seconds() - t0, std::memory_order_relaxed); }
    } add{seconds_, wall_seconds()};
    return std::forward<F>(f)();
  }
  double seconds() const noexcept { return seconds_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> seconds_{0};
};

/// [0, n) cut into `count` contiguous blocks, sizes as numpy.array_split:
/// the first n % count blocks one longer (5 in 3: 2, 2, 1).
struct Blocks {
  std::size_t n = 0, count = 1;
  IndexRange operator[](std::size_t b) const noexcept { return array_split_range(n, count, b); }
};

/// The calling OpenMP thread's contiguous block of [0, n), as
/// schedule(static) deals them; call inside a parallel region.
inline IndexRange thread_block(std::size_t n) {
  return array_split_range(n, static_cast<std::size_t>(omp_get_num_threads()),
                           static_cast<std::size_t>(omp_get_thread_num()));
}

/// Blocks for n items on this pool: `per_worker` per worker thread of the
/// job (ranks x threads), at most n, at least 1.
inline Blocks blocks_for(const Pool& pool, std::size_t n, std::size_t per_worker = 4) {
  const std::size_t workers = static_cast<std::size_t>(pool.size()) * static_cast<std::size_t>(pool.threads());
  std::size_t count = workers * per_worker;
  if (count > n) count = n;
  return {n, count == 0 ? 1 : count};
}

/// pool.for_each over the blocks (collective): body(first, last) runs each
/// block on whichever rank the schedule gives it (a static one by default,
/// so every rank gets its share and results go in place with no claims).
/// Task time goes to `busy`. Returns the merged index ranges this rank ran:
/// exactly what it wrote, for gather_to_root.
template <class F>
std::vector<IndexRange> for_each_block(Pool& pool, const Blocks& blocks, Busy& busy, F&& body,
                                       Schedule schedule = Schedule::static_block()) {
  std::vector<unsigned char> ran(blocks.count, 0);  // one writer per block: no race
  TaskClock clock;
  MapOptions o;
  o.schedule = schedule;
  pool.for_each(
      blocks.count,
      [&](std::size_t b) {
        const IndexRange r = blocks[b];
        clock.measure([&] { body(r.begin, r.end); });
        ran[b] = 1;
      },
      o);
  busy.add(clock.seconds());
  std::vector<IndexRange> mine;
  for (std::size_t b = 0; b < blocks.count; ++b) {
    if (!ran[b]) continue;
    const IndexRange r = blocks[b];
    if (!mine.empty() && mine.back().end == r.begin)
      mine.back().end = r.end;
    else
      mine.push_back(r);
  }
  return mine;
}

/// A stack of `items` equal items (C order) as a list of them: what the
/// tutorial hands to pool.map.
template <class T>
std::vector<std::vector<T>> split_items(const std::vector<T>& stack, std::size_t items) {
  std::vector<std::vector<T>> list(items);
  const std::size_t per = items ? stack.size() / items : 0;
  for (std::size_t m = 0; m < items; ++m) list[m].assign(stack.begin() + m * per, stack.begin() + (m + 1) * per);
  return list;
}

/// The tutorial's pool.map(f, matrices), a method's whole run (collective):
/// root's stack of `items` is cut into a list before the timed region;
/// Pool::map ships each item to the rank that takes it (hmp::from_root) and
/// its result (`out_elems` elements, from kernel(const T* in, R* out)) back
/// to root, in order: timed from root's list to root's list of results. The
/// results are joined into ctx.out after. Ctx is a MethodContext.
template <class Ctx, class T, class R, class Kernel>
void map_from_root(Ctx& ctx, Pool& pool, const std::vector<T>& stack, std::size_t items, std::size_t out_elems,
                   const Kernel& kernel, std::vector<R>& out) {
  const auto list = ctx.rt.is_root() ? split_items(stack, items) : std::vector<std::vector<T>>{};
  std::vector<std::vector<R>> results;
  ctx.time([&](Busy& busy) {
    TaskClock clock;
    results = pool.map(
        [&](const std::vector<T>& item) {
          return clock.measure([&] {
            std::vector<R> result(out_elems);
            kernel(item.data(), result.data());
            return result;
          });
        },
        hmp::from_root(list));
    busy.add(clock.seconds());
  });
  auto at = out.begin();
  for (const auto& r : results) at = std::copy(r.begin(), r.end(), at);  // root only: others got no results
}

/// Item ranges as element ranges, for items of `per_item` elements each.
inline std::vector<IndexRange> scaled(std::vector<IndexRange> ranges, std::size_t per_item) {
  for (auto& r : ranges) r = {r.begin * per_item, r.end * per_item};
  return ranges;
}

}  // namespace hmp::apps
