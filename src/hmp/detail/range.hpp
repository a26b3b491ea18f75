// Items [begin, end) of a pool call's input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace hmp::detail {

struct Range {
  std::uint64_t begin = 0, end = 0;
  std::uint64_t size() const noexcept { return end - begin; }
  template <class A>
  void serialize(A& ar) { ar(begin, end); }
};

/// Items in all of `ranges`.
inline std::uint64_t items_in(std::span<const Range> ranges) {
  std::uint64_t k = 0;
  for (const auto& r : ranges) k += r.size();
  return k;
}

/// Appends `r` to `out`, extending its last range when they touch (a rank
/// that takes neighbouring chunks reports one range, not one per chunk).
inline void append_merged(std::vector<Range>& out, Range r) {
  if (!out.empty() && out.back().end == r.begin)
    out.back().end = r.end;
  else
    out.push_back(r);
}

/// Walks ranges item by item, in order: take(count, out) puts the next
/// `count` items into `out` as ranges (a message's parts cut the ranges it
/// names wherever their sizes fall). False if fewer than `count` are left.
class RangeCursor {
 public:
  explicit RangeCursor(std::span<const Range> ranges) : ranges_(ranges) {}
  bool take(std::uint64_t count, std::vector<Range>& out) {
    out.clear();
    while (count > 0) {
      if (j_ == ranges_.size()) return false;
      const Range& r = ranges_[j_];
      if (r.size() == 0) {
        ++j_;
        continue;
      }
      const std::uint64_t b = r.begin + used_, n = std::min(count, r.end - b);
      out.push_back({b, b + n});
      count -= n;
      used_ += n;
      if (used_ == r.size()) ++j_, used_ = 0;
    }
    return true;
  }

 private:
  std::span<const Range> ranges_;
  std::size_t j_ = 0;
  std::uint64_t used_ = 0;
};

}  // namespace hmp::detail
