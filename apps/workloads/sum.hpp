// The tutorial's split sum: iterativeSum over one part (a plain loop, as the
// Python was), and an OpenMP SIMD reduction over all numbers. Parts come from
// hmp::split (the Pool's, cyclic) or any span: no split here.
#pragma once

#include <cstdint>
#include <span>

namespace hmp::workloads {

/// The tutorial's iterativeSum: s = 0; for n in numbers: s += n. Integers wrap
/// modulo 2^64 as numpy's int64 sums do (no undefined overflow).
std::int64_t iterative_sum(std::span<const std::int64_t> part) noexcept;
/// In order, one addition after another (the rounding of the Python loop).
double iterative_sum(std::span<const double> part) noexcept;

/// `omp parallel for simd reduction(+)` on the calling rank's OpenMP team
/// (doubles: eight partial sums per thread, so additions overlap).
/// Doubles are added in another order than iterative_sum: compare with
/// sum_tolerance, not ==.
std::int64_t simd_sum(std::span<const std::int64_t> numbers) noexcept;
double simd_sum(std::span<const double> numbers) noexcept;

/// The bound on |any order's sum - exact sum|: n * eps * sum|x| (the
/// classical worst case of recursive summation, gamma_n ~ n * u, taken twice
/// since both sides round).
double sum_tolerance(std::span<const double> numbers) noexcept;

}  // namespace hmp::workloads
