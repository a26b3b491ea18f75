// Where a worker keeps item i of a from_root call: its share arrives as the
// concatenation of its ranges, which a static schedule makes regular (one
// block, or chunks of `chunk` items every `period` items), so item i's place
// is arithmetic, not a search, and the worker holds its share only.
#pragma once

#include <hmp/detail/range.hpp>
#include <hmp/errors.hpp>

#include <cstdint>
#include <span>

namespace hmp::detail {

struct ShareIndex {
  std::uint64_t first = 0;   ///< the share's first item
  std::uint64_t period = 0;  ///< items from one chunk's start to the next; 0: one block
  std::uint64_t chunk = 0;

  std::uint64_t operator()(std::uint64_t i) const noexcept {
    const std::uint64_t d = i - first;
    return period == 0 ? d : d / period * chunk + d % chunk;
  }

  /// The index of a share made of `ranges` (in order); throws when they are
  /// not one block or evenly spaced chunks (a malformed message).
  static ShareIndex of(std::span<const Range> ranges) {
    if (ranges.empty()) return {};
    if (ranges.size() == 1) return {ranges[0].begin, 0, 0};
    const ShareIndex s{ranges[0].begin, ranges[1].begin - ranges[0].begin, ranges[0].size()};
    if (s.chunk == 0 || ranges[1].begin < ranges[0].begin || s.period < s.chunk) malformed();
    for (std::size_t k = 0; k < ranges.size(); ++k) {
      const Range& r = ranges[k];
      const bool last = k + 1 == ranges.size();
      if ((r.begin - s.first) / s.period != k || (r.begin - s.first) % s.period != 0 || r.end < r.begin ||
          (last ? r.size() == 0 || r.size() > s.chunk : r.size() != s.chunk))
        malformed();
    }
    return s;
  }

 private:
  [[noreturn]] static void malformed() { throw Error("hmp: a pool message is malformed (a worker's share)"); }
};

}  // namespace hmp::detail
