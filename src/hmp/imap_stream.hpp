// hmp::IMapStream: what imap / imap_unordered return for
// hmp::from_root(input_range) — items only root holds, read as the results
// are consumed (Python's imap over a generator or a file).
//
// Root reads a window of items (4 x pool size x chunksize), tells every rank
// its size, and runs an ordinary imap over it; when root's iteration has
// taken every result of a window, it reads the next. Root never holds more
// than one window, and the input is read no further ahead than that. Worker
// ranks serve every window inside the imap call and return an empty range.
// Included at the end of pool.hpp: it builds on Pool::imap.
#pragma once

#include <hmp/detail/stream_window.hpp>
#include <hmp/errors.hpp>
#include <hmp/imap_result.hpp>

#include <algorithm>
#include <iterator>
#include <optional>
#include <ranges>
#include <source_location>
#include <string>
#include <vector>

namespace hmp {

template <class R, class V, class F>
class IMapStream {
 public:
  using T = std::ranges::range_value_t<V>;

  /// Collective: root reads the first window; workers serve every window
  /// and return when root ends the stream.
  IMapStream(Pool& pool, F f, V range, std::size_t chunksize, bool ordered, std::source_location where)
      : pool_(pool), f_(std::move(f)), range_(std::move(range)), chunksize_(chunksize), ordered_(ordered),
        where_(where), what_(std::string(ordered ? "imap" : "imap_unordered") + " at " + where.file_name() + ":" +
                             std::to_string(where.line())) {
    if (pool_.is_root()) {
      input_ = std::ranges::begin(range_);
      return;
    }
    serve_windows();
  }
  IMapStream(const IMapStream&) = delete;
  IMapStream& operator=(const IMapStream&) = delete;
  IMapStream(IMapStream&&) = delete;
  /// Root, if it stopped iterating early: the window in flight completes
  /// and the workers are told the stream ended.
  ~IMapStream() {
    if (!pool_.is_root() || finished_) return;
    try {
      if (window_)
        for (; it_ && *it_ != std::default_sentinel; ++*it_) {
        }
      start_window(detail::kStreamEnd);
    } catch (...) {
      // A destructor must not throw: a failed window already ended the stream everywhere.
    }
  }

  class iterator {
   public:
    using value_type = R;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(IMapStream* owner) : owner_(owner) { owner_->advance(false); }
    const R& operator*() const { return **owner_->it_; }
    /// The input index of the current result (counted from the stream's start).
    std::size_t index() const { return owner_->offset_ + owner_->it_->index(); }
    iterator& operator++() {
      owner_->advance(true);
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    bool at_end() const { return !owner_ || owner_->finished_; }
    IMapStream* owner_ = nullptr;
  };

  /// Root: the results, window after window. Other ranks: empty.
  iterator begin() {
    if (!pool_.is_root() || begun_) return iterator();
    begun_ = true;
    return iterator(this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  using Window = IMapResult<R>;

  // A worker: every window root starts, until it ends the stream.
  void serve_windows() {
    while (start_window(0) != detail::kStreamEnd) {
      try {
        window_->begin();  // a worker's range is empty; beginning it joins
      } catch (const TaskError& e) {
        rethrow_at_stream_index(e);
      }
      offset_ += count_;
    }
  }

  // Root: moves to the next result, reading and starting windows as needed.
  void advance(bool step) {
    try {
      if (step) ++*it_;
      while (!it_ || *it_ == std::default_sentinel) {
        if (window_) offset_ += count_;
        if (read_window() == detail::kStreamEnd) return;
        it_.emplace(window_->begin());
      }
    } catch (const TaskError& e) {
      finished_ = true;  // every rank saw this window fail: the stream is over
      rethrow_at_stream_index(e);
    } catch (...) {
      finished_ = true;
      throw;
    }
  }

  // Root: reads up to a window of items and starts its imap; returns the count.
  std::uint64_t read_window() {
    std::vector<T> items;
    const std::size_t size = 4 * static_cast<std::size_t>(pool_.size()) * std::max<std::size_t>(chunksize_, 1);
    try {
      for (; items.size() < size && *input_ != std::ranges::end(range_); ++*input_) items.push_back(**input_);
    } catch (...) {
      finished_ = true;  // the workers throw too, then nobody waits
      share(detail::kStreamFailed);
      throw;
    }
    const std::uint64_t count = items.size();
    return start_window(count, std::move(items));
  }

  // Every rank, in step: root's count, then (for a non-empty window) its imap.
  std::uint64_t start_window(std::uint64_t count, std::vector<T> items = {}) {
    it_.reset();
    window_.reset();
    count_ = share(count);
    if (count_ == detail::kStreamFailed)
      throw Error("hmp: root's input range threw while " + what_ + " read it (root has the exception)");
    if (count_ == detail::kStreamEnd) {
      finished_ = true;
      return count_;
    }
    window_.emplace(ordered_ ? pool_.imap(f_, from_root(std::move(items)), chunksize_, where_)
                             : pool_.imap_unordered(f_, from_root(std::move(items)), chunksize_, where_));
    return count_;
  }

  // Root's count on every rank.
  std::uint64_t share(std::uint64_t count) const {
    return detail::share_window_count(pool_.core_->comm(), pool_.root(), count, pool_.core_->wait_timeout(), what_);
  }

  // A window's TaskError names the item by its place in the window; the
  // stream's user wants its place in the whole input.
  [[noreturn]] void rethrow_at_stream_index(const TaskError& e) const {
    throw TaskError(e.message(), e.type_name(), e.rank(), offset_ + e.index());
  }

  Pool& pool_;
  F f_;
  V range_;
  std::optional<std::ranges::iterator_t<V>> input_;  // root: where reading resumes
  std::size_t chunksize_;
  bool ordered_;
  std::source_location where_;
  std::string what_;
  std::optional<Window> window_;
  std::optional<typename Window::iterator> it_;
  std::uint64_t count_ = 0, offset_ = 0;
  bool begun_ = false, finished_ = false;
};

}  // namespace hmp
