// hmp::IMapResult<R>: the iterable that imap / imap_unordered return.
#pragma once

#include <hmp/detail/pool_core.hpp>
#include <hmp/detail/typed_call.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

namespace hmp {

/// The order imap's results are yielded in.
enum class IMapOrder { input, completion };

/// On root, iterating yields results as they arrive: in input order for
/// imap, in completion order for imap_unordered; root computes items of its
/// own while nothing has arrived. On other ranks the range is empty (their
/// share was done in the call); beginning it waits for the call's outcome,
/// so a failed task throws TaskError on every rank from begin() or ++.
template <class R>
class IMapResult {
 public:
  IMapResult(std::shared_ptr<detail::TypedCall<R>> call, detail::PoolCore* core, IMapOrder order)
      : call_(std::move(call)), core_(core), ordered_(order == IMapOrder::input) {}

  class iterator {
   public:
    using value_type = R;
    using difference_type = std::ptrdiff_t;
    using reference = const R&;
    iterator() = default;
    explicit iterator(IMapResult* owner) : owner_(owner) { fetch(); }
    reference operator*() const { return owner_->value(index_); }
    const R* operator->() const { return &owner_->value(index_); }
    /// The input index of the current result.
    std::size_t index() const noexcept { return index_; }
    iterator& operator++() {
      fetch();
      return *this;
    }
    void operator++(int) { fetch(); }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.owner_ == nullptr; }

   private:
    void fetch() {
      if (auto next = owner_->next())
        index_ = *next;
      else
        owner_ = nullptr;
    }
    IMapResult* owner_ = nullptr;
    std::size_t index_ = 0;
  };

  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  const R& value(std::size_t i) {
    if constexpr (std::is_same_v<R, bool>) {
      bool_ = static_cast<bool>(call_->slots[i]);
      return bool_;
    } else {
      return call_->slots[i];
    }
  }

  // Index of the next result to yield, or nullopt at the end (after the
  // call's outcome is known, so failures throw here).
  std::optional<std::size_t> next() {
    auto& c = *call_;
    if (!core_->is_root()) {
      core_->join(c, std::nullopt);
      return std::nullopt;
    }
    for (;;) {
      if (!c.failed()) {
        if (auto i = next_arrived()) return i;
        if (yielded_all()) {
          core_->join(c, std::nullopt);
          return std::nullopt;
        }
      }
      if (c.failed() || c.joined) {
        core_->join(c, std::nullopt);  // drains, then throws the call's error
        return std::nullopt;
      }
      core_->advance(c);
    }
  }

  // The next result in place that may be yielded now.
  std::optional<std::size_t> next_arrived() {
    const auto& arrived = call_->root.arrived;
    if (ordered_) {
      absorb();
      if (next_ < call_->desc.n && ready_[next_]) return next_++;
      return std::nullopt;
    }
    while (range_ < arrived.size()) {
      const auto& r = arrived[range_];
      if (r.begin + offset_ < r.end) return r.begin + offset_++;
      ++range_;
      offset_ = 0;
    }
    return std::nullopt;
  }

  void absorb() {
    const auto& c = *call_;
    if (ready_.size() != c.desc.n) ready_.assign(c.desc.n, 0);
    for (; range_ < c.root.arrived.size(); ++range_)
      for (auto i = c.root.arrived[range_].begin; i < c.root.arrived[range_].end; ++i) ready_[i] = 1;
  }

  bool yielded_all() const {
    const auto& c = *call_;
    if (ordered_) return next_ >= c.desc.n;
    return range_ >= c.root.arrived.size() && c.root.items_in_place >= c.desc.n;
  }

  std::shared_ptr<detail::TypedCall<R>> call_;
  detail::PoolCore* core_;
  bool ordered_;
  std::vector<char> ready_;
  std::size_t next_ = 0, range_ = 0, offset_ = 0;
  bool bool_ = false;
};

}  // namespace hmp
