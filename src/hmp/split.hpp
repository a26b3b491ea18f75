// The tutorial's split and numpy's array_split.
#pragma once

#include <hmp/errors.hpp>
#include <hmp/index_range.hpp>

#include <cstddef>
#include <iterator>
#include <ranges>
#include <string>
#include <vector>

namespace hmp {

/// The tutorial's `split(container, count)`: `[container[i::count] for i in
/// range(count)]`, so part i holds items i, i+count, i+2*count, ...
template <std::ranges::random_access_range C>
auto split(const C& container, std::size_t count) {
  using T = std::ranges::range_value_t<C>;
  if (count == 0) throw UsageError("hmp::split: count is 0; give at least 1 part");
  const std::size_t n = std::ranges::size(container);
  std::vector<std::vector<T>> parts(count);
  for (std::size_t i = 0; i < count; ++i) {
    parts[i].reserve(n / count + 1);
    for (std::size_t j = i; j < n; j += count) parts[i].push_back(std::ranges::begin(container)[j]);
  }
  return parts;
}

/// Part i of numpy.array_split over [0, n) in `sections` (> 0) parts: the
/// first n % sections parts hold one item more (5 in 3: 2, 2, 1).
constexpr IndexRange array_split_range(std::size_t n, std::size_t sections, std::size_t i) noexcept {
  const std::size_t base = n / sections, extra = n % sections;
  const std::size_t begin = i * base + (i < extra ? i : extra);
  return {begin, begin + base + (i < extra ? 1 : 0)};
}

/// numpy.array_split: `sections` contiguous parts; the first n % sections
/// parts hold one item more.
template <std::ranges::random_access_range C>
auto array_split(const C& container, std::size_t sections) {
  using T = std::ranges::range_value_t<C>;
  if (sections == 0) throw UsageError("hmp::array_split: sections is 0; give at least 1");
  const std::size_t n = std::ranges::size(container);
  std::vector<std::vector<T>> parts(sections);
  auto it = std::ranges::begin(container);
  for (std::size_t i = 0; i < sections; ++i) {
    const IndexRange r = array_split_range(n, sections, i);
    parts[i].assign(it + static_cast<std::ptrdiff_t>(r.begin), it + static_cast<std::ptrdiff_t>(r.end));
  }
  return parts;
}

}  // namespace hmp
