#include <workloads/sum.hpp>

#include <omp.h>

#include <cmath>
#include <limits>

namespace hmp::workloads {

std::int64_t iterative_sum(std::span<const std::int64_t> part) noexcept {
  std::uint64_t s = 0;
  for (const auto n : part) s += static_cast<std::uint64_t>(n);
  return static_cast<std::int64_t>(s);
}

double iterative_sum(std::span<const double> part) noexcept {
  double s = 0;
  for (const auto n : part) s += n;
  return s;
}

namespace {

template <class T, class Acc>
T multi(std::span<const T> part) noexcept {
  constexpr std::size_t lanes = 8;
  Acc acc[lanes] = {};
  const auto* p = part.data();
  const std::size_t n = part.size(), groups = n / lanes;
  for (std::size_t g = 0; g < groups; ++g)
    for (std::size_t k = 0; k < lanes; ++k) acc[k] += static_cast<Acc>(p[g * lanes + k]);
  Acc s = 0;
  for (std::size_t k = 0; k < lanes; ++k) s += acc[k];
  for (std::size_t i = groups * lanes; i < n; ++i) s += static_cast<Acc>(p[i]);
  return static_cast<T>(s);
}

// Integers are reduced unsigned: their partial sums wrap the same in any order, without UB.
template <class T, class Acc>
T reduce_on_team(std::span<const T> numbers, T (*kernel)(std::span<const T>) noexcept) noexcept {
  Acc s = 0;
#pragma omp parallel reduction(+ : s)
  {
    const std::size_t threads = static_cast<std::size_t>(omp_get_num_threads());
    const std::size_t t = static_cast<std::size_t>(omp_get_thread_num()), n = numbers.size();
    const std::size_t first = n * t / threads, last = n * (t + 1) / threads;  // schedule(static)'s blocks
    s += static_cast<Acc>(kernel(numbers.subspan(first, last - first)));
  }
  return static_cast<T>(s);
}

}  // namespace

std::int64_t multi_sum(std::span<const std::int64_t> part) noexcept {
  return multi<std::int64_t, std::uint64_t>(part);  // unsigned: wraps as numpy's int64 sum, no UB
}

double multi_sum(std::span<const double> part) noexcept { return multi<double, double>(part); }

std::int64_t team_sum(std::span<const std::int64_t> numbers,
                      std::int64_t (*kernel)(std::span<const std::int64_t>) noexcept) noexcept {
  return reduce_on_team<std::int64_t, std::uint64_t>(numbers, kernel);
}

double team_sum(std::span<const double> numbers, double (*kernel)(std::span<const double>) noexcept) noexcept {
  return reduce_on_team<double, double>(numbers, kernel);
}

double sum_tolerance(std::span<const double> numbers) noexcept {
  double abs_sum = 0;
  for (const auto x : numbers) abs_sum += std::fabs(x);
  const double n = static_cast<double>(numbers.size());
  return 2.0 * n * std::numeric_limits<double>::epsilon() * abs_sum;
}

}  // namespace hmp::workloads
