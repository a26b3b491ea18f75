// numpy.fft.fft2 over the last two axes of a stack (count, rows, cols) of
// complex matrices, C order: forward, unnormalised, out of place.
#pragma once

#include <complex>
#include <cstddef>

namespace hmp::workloads {

/// Matrices per fftw_plan_many_dft call; a remainder runs one by one.
constexpr int kFft2Batch = 4;

/// out[m] = fft2(in[m]) for m in [0, count). in and out must not overlap;
/// in is left as it was. Thread-safe (plans shared, made once per shape and
/// alignment).
void fft2(const std::complex<double>* in, std::complex<double>* out, std::size_t rows, std::size_t cols,
          std::size_t count);

/// Makes every plan fft2 can need for this shape now, for any alignment of
/// items in fftw_malloc'd or std::vector storage (kept out of timed regions).
void prepare_fft2(std::size_t rows, std::size_t cols);

/// The definition, O(rows^2 cols^2), in long double: the test reference.
void fft2_naive(const std::complex<double>* in, std::complex<double>* out, std::size_t rows, std::size_t cols);

}  // namespace hmp::workloads
