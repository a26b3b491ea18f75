// --check's comparison: item by item, with a tolerance per item, reporting
// the first item that differs in one line.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hmp::apps {

inline std::string number_string(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
inline std::string number_string(std::complex<double> v) {
  return "(" + number_string(v.real()) + (v.imag() < 0 ? "" : "+") + number_string(v.imag()) + "j)";
}

/// The largest magnitude in item `item` of `want` (a scale for tolerances).
template <class T>
double item_scale(const std::vector<T>& want, std::size_t item, std::size_t item_elems) {
  double s = 0;
  for (std::size_t k = item * item_elems; k < (item + 1) * item_elems; ++k) s = std::max(s, std::abs(want[k]));
  return s;
}

/// nullopt when |got - want| <= tolerance(item) everywhere; else "item i
/// (element [r, c]): got g, expected w (tolerance t)". `cols` names elements
/// as [r, c] of a row-major item; 0 for scalar items.
template <class T>
std::optional<std::string> first_difference(const std::vector<T>& got, const std::vector<T>& want,
                                            std::size_t item_elems, std::size_t cols,
                                            const std::function<double(std::size_t)>& tolerance) {
  if (got.size() != want.size())
    return "result has " + std::to_string(got.size()) + " elements, expected " + std::to_string(want.size());
  const std::size_t items = item_elems ? want.size() / item_elems : 0;
  for (std::size_t i = 0; i < items; ++i) {
    const double tol = tolerance(i);
    for (std::size_t e = 0; e < item_elems; ++e) {
      const std::size_t k = i * item_elems + e;
      const double diff = std::abs(got[k] - want[k]);
      if (diff <= tol) continue;  // NaN fails here too
      std::string where = "item " + std::to_string(i);
      if (cols) where += " (element [" + std::to_string(e / cols) + ", " + std::to_string(e % cols) + "])";
      return where + ": got " + number_string(got[k]) + ", expected " + number_string(want[k]) + " (tolerance " +
             number_string(tol) + ")";
    }
  }
  return std::nullopt;
}

}  // namespace hmp::apps
