// Items [begin, end) of a pool call's input.
#pragma once

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

}  // namespace hmp::detail
