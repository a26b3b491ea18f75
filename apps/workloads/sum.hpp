// The tutorial's split sum: iterativeSum over one part (a plain loop, as the
// Python was), the multi-accumulator kernel, and an OpenMP reduction over all
// numbers with either. Parts come from hmp::split (the Pool's, cyclic) or any
// span: no split here.
#pragma once

#include <cstdint>
#include <span>

namespace hmp::workloads {

/// The tutorial's iterativeSum: s = 0; for n in numbers: s += n. Integers wrap
/// modulo 2^64 as numpy's int64 sums do (no undefined overflow).
std::int64_t iterative_sum(std::span<const std::int64_t> part) noexcept;
/// In order, one addition after another (the rounding of the Python loop).
double iterative_sum(std::span<const double> part) noexcept;

/// The multi-accumulator kernel: eight independent partial sums, added at
/// the end. With one accumulator every addition waits for the previous one
/// (4 cycles of latency), which caps a core near 8 GB/s, well under the
/// memory bandwidth; eight in flight keep the core ahead of memory. Doubles
/// are added in another order than iterative_sum: compare with
/// sum_tolerance, not ==. Integers: the same wrapped total.
std::int64_t multi_sum(std::span<const std::int64_t> part) noexcept;
double multi_sum(std::span<const double> part) noexcept;

/// A reduction on the calling rank's OpenMP team (numba's prange
/// reduction): each thread sums its contiguous block with `kernel`
/// (multi_sum by default), then the threads' sums are added.
std::int64_t team_sum(std::span<const std::int64_t> numbers,
                      std::int64_t (*kernel)(std::span<const std::int64_t>) noexcept = multi_sum) noexcept;
double team_sum(std::span<const double> numbers, double (*kernel)(std::span<const double>) noexcept = multi_sum) noexcept;

/// The bound on |any order's sum - exact sum|: n * eps * sum|x| (the
/// classical worst case of recursive summation, gamma_n ~ n * u, taken twice
/// since both sides round).
double sum_tolerance(std::span<const double> numbers) noexcept;

}  // namespace hmp::workloads
