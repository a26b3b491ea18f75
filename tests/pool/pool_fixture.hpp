// Shared by the pool suites: one pool per test program (made at first use,
// collectively, since every rank runs the same tests in the same order).
#pragma once

#include <hmp/pool.hpp>

#include <numeric>
#include <vector>

namespace hmp_test {

inline hmp::Pool& pool() {
  static hmp::Pool p(hmp::Runtime::current());
  return p;
}

/// 0, 1, ..., n-1
inline std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace hmp_test
