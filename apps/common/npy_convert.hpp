// An .npy array's elements as the type an app computes in, converted as
// numpy's astype converts: bool to 0/1, integers to the nearest float64,
// float16/32/128 to float64, unsigned to int64 modulo 2^64. What numpy would
// refuse or lose (complex to a real type) is an NpyError saying so.
#pragma once

#include <common/npy.hpp>

#include <complex>
#include <cstdint>
#include <vector>

namespace hmp::apps {

/// a.astype(np.float64): bool, integer and float dtypes.
std::vector<double> to_float64(const NpyArray& a);

/// a.astype(np.int64): bool and integer dtypes (uint64 wraps, as in numpy).
std::vector<std::int64_t> to_int64(const NpyArray& a);

/// a.astype(np.complex128): every dtype read_npy accepts.
std::vector<std::complex<double>> to_complex128(const NpyArray& a);

/// Decodes an IEEE half-precision value (numpy's float16).
float half_to_float(std::uint16_t h) noexcept;

}  // namespace hmp::apps
