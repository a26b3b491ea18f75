// 2-D autocorrelation in 'full' mode, exactly scipy.signal.correlate2d(a, a,
// 'full') for a real rows x cols matrix a (C order):
//   out[k][l] = sum_{p,q} a[p][q] * a[p - k + rows - 1][q - l + cols - 1],
// over the indices inside a, for 0 <= k < 2*rows-1, 0 <= l < 2*cols-1.
// Output: (2*rows-1) x (2*cols-1), C order.
#pragma once

#include <cstddef>
#include <string>

namespace hmp::workloads {

enum class CorrelateAlgorithm { direct, fft, automatic };
/// "direct", "fft", "auto".
std::string to_string(CorrelateAlgorithm a);

/// Elements of the output for a rows x cols input.
constexpr std::size_t autocorrelate2d_output_size(std::size_t rows, std::size_t cols) {
  return (rows == 0 || cols == 0) ? 0 : (2 * rows - 1) * (2 * cols - 1);
}

/// The definition, shift by shift: rows^2 * cols^2 multiply-adds, in scipy's
/// (scalar) way. The reference for the FFT method.
void autocorrelate2d_direct(const double* a, std::size_t rows, std::size_t cols, double* out);

/// Through FFTW: pads a to P x Q (P, Q the next 2^a3^b5^c7^d sizes >= 2*rows-1,
/// 2*cols-1, so the circular correlation does not wrap), r2c, |A|^2, c2r,
/// reorders. Plans come from the shared cache; buffers are per thread.
/// Thread-safe.
void autocorrelate2d_fft(const double* a, std::size_t rows, std::size_t cols, double* out);

/// Matrices per r2c/c2r plan_many call of autocorrelate2d_fft_many (a
/// remainder runs one by one; 1: no batches). hmp-bench-fftw measures
/// whether batches are faster on a machine.
constexpr int kAutocorrBatch = 1;

/// autocorrelate2d_fft of `count` consecutive matrices (out: `count`
/// consecutive outputs), `batch` at a time.
void autocorrelate2d_fft_many(const double* a, std::size_t rows, std::size_t cols, std::size_t count, double* out,
                              int batch = kAutocorrBatch);

/// Makes the FFT plans for this shape now, single and batched (planning is
/// kept out of timed regions).
void prepare_autocorrelate2d_fft(std::size_t rows, std::size_t cols);

/// What `automatic` picks for this shape: direct while rows*cols is small
/// enough that its rows^2*cols^2 work beats two padded FFTs.
CorrelateAlgorithm choose_autocorrelate2d(std::size_t rows, std::size_t cols);

/// Dispatches on `algorithm` (automatic -> choose_autocorrelate2d).
void autocorrelate2d(CorrelateAlgorithm algorithm, const double* a, std::size_t rows, std::size_t cols,
                     double* out);

/// autocorrelate2d of `count` consecutive matrices (the FFT way in batches).
void autocorrelate2d_many(CorrelateAlgorithm algorithm, const double* a, std::size_t rows, std::size_t cols,
                          std::size_t count, double* out);

}  // namespace hmp::workloads
