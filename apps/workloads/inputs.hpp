// Seeded inputs for the workloads. Counter-based (element i depends only on
// seed and i), so every rank and every thread count makes the same numbers:
// inputs can be replicated by generating them everywhere.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hmp::workloads {

/// splitmix64 of (seed, index): a well-mixed 64-bit value.
std::uint64_t mix(std::uint64_t seed, std::uint64_t index) noexcept;

/// n doubles uniform in [0, 1).
std::vector<double> random_doubles(std::size_t n, std::uint64_t seed);
/// n doubles uniform in [-1, 1).
std::vector<double> random_signed_doubles(std::size_t n, std::uint64_t seed);
/// n integers uniform in [lo, hi) (hi > lo).
std::vector<std::int64_t> random_int64(std::size_t n, std::int64_t lo, std::int64_t hi, std::uint64_t seed);
/// n complex numbers, real and imaginary parts uniform in [-1, 1).
std::vector<std::complex<double>> random_complex(std::size_t n, std::uint64_t seed);

}  // namespace hmp::workloads
