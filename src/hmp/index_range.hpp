// A half-open range of element indices, [begin, end).
#pragma once

#include <cstddef>

namespace hmp {

struct IndexRange {
  std::size_t begin = 0;
  std::size_t end = 0;  ///< one past the last index
  std::size_t size() const noexcept { return end > begin ? end - begin : 0; }
  bool empty() const noexcept { return end <= begin; }
  friend bool operator==(const IndexRange&, const IndexRange&) = default;
};

}  // namespace hmp
