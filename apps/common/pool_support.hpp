// What the apps' pool.* methods share: busy time summed over a rank's
// threads, and "for_each over blocks, results in place" runs that remember
// which index ranges this rank wrote (what SharedArray::gather_to_root needs
// when the job spans several nodes).
#pragma once

#include <common/timing.hpp>

#include <hmp/index_range.hpp>
#include <hmp/pool.hpp>
#include <hmp/shared_array.hpp>

#include <mpi.h>

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

/// [0, n) cut into `count` contiguous blocks, sizes as numpy.array_split.
struct Blocks {
  std::size_t n = 0, count = 1;
  IndexRange operator[](std::size_t b) const noexcept { return {n * b / count, n * (b + 1) / count}; }
};

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

/// A job-wide SharedArray of n T's (one copy per node) whose first element
/// sits on a 64-byte boundary. The window's own start can be only 8-byte
/// aligned (Open MPI 4.1's osc/sm), which keeps FFTW and the compiler's
/// vector code off their aligned kernels: FFTs writing there ran at half
/// speed. Every node uses root's offset, so element i is the same byte range
/// on every node and gather_to_root moves the right bytes.
template <class T>
class AlignedSharedArray {
 public:
  static constexpr std::size_t alignment = 64;
  AlignedSharedArray(const Runtime& rt, std::size_t n) : bytes_(rt, n * sizeof(T) + alignment), n_(n) {
    auto at = reinterpret_cast<std::uintptr_t>(bytes_.data());
    unsigned long long offset = (alignment - at % alignment) % alignment;
    MPI_Bcast(&offset, 1, MPI_UNSIGNED_LONG_LONG, 0, rt.world().native());
    offset_ = static_cast<std::size_t>(offset);
  }
  T* data() noexcept { return reinterpret_cast<T*>(bytes_.data() + offset_); }
  const T* data() const noexcept { return reinterpret_cast<const T*>(bytes_.data() + offset_); }
  std::size_t size() const noexcept { return n_; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + n_; }
  /// SharedArray::gather_to_root with element ranges of this array.
  void gather_to_root(const std::vector<IndexRange>& written) const {
    std::vector<IndexRange> b;
    for (const auto& r : written) b.push_back({offset_ + r.begin * sizeof(T), offset_ + r.end * sizeof(T)});
    bytes_.gather_to_root(b);
  }

 private:
  SharedArray<std::byte> bytes_;
  std::size_t n_ = 0, offset_ = 0;
};

/// Item ranges as element ranges, for items of `per_item` elements each.
inline std::vector<IndexRange> scaled(std::vector<IndexRange> ranges, std::size_t per_item) {
  for (auto& r : ranges) r = {r.begin * per_item, r.end * per_item};
  return ranges;
}

}  // namespace hmp::apps
