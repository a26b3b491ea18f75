#include <workloads/fft2.hpp>
#include <workloads/fftw_plans.hpp>

#include <cmath>
#include <numbers>

namespace hmp::workloads {

namespace {

fftw::PlanKey key(std::size_t rows, std::size_t cols, int howmany, const void* in, const void* out) {
  return {fftw::Kind::dft_2d, static_cast<int>(rows), static_cast<int>(cols), howmany, fftw::alignment_of(in),
          fftw::alignment_of(out)};
}

fftw_complex* raw(const std::complex<double>* p) {
  // FFTW's new-array execute takes non-const input; an out-of-place c2c plan
  // made with FFTW_PRESERVE_INPUT leaves it untouched.
  return reinterpret_cast<fftw_complex*>(const_cast<std::complex<double>*>(p));
}

}  // namespace

void fft2(const std::complex<double>* in, std::complex<double>* out, std::size_t rows, std::size_t cols,
          std::size_t count) {
  if (rows == 0 || cols == 0) return;
  const std::size_t n = rows * cols;
  std::size_t m = 0;
  for (; m + kFft2Batch <= count; m += kFft2Batch)
    fftw_execute_dft(fftw::plan(key(rows, cols, kFft2Batch, in + m * n, out + m * n)), raw(in + m * n),
                     raw(out + m * n));
  for (; m < count; ++m)
    fftw_execute_dft(fftw::plan(key(rows, cols, 1, in + m * n, out + m * n)), raw(in + m * n), raw(out + m * n));
}

void prepare_fft2(std::size_t rows, std::size_t cols) {
  if (rows == 0 || cols == 0) return;
  int classes[8];
  const int k = fftw::alignment_classes(sizeof(std::complex<double>), classes, 8);
  for (int howmany : {1, kFft2Batch})
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j)
        fftw::plan({fftw::Kind::dft_2d, static_cast<int>(rows), static_cast<int>(cols), howmany, classes[i],
                    classes[j]});
}

void fft2_naive(const std::complex<double>* in, std::complex<double>* out, std::size_t rows, std::size_t cols) {
  using C = std::complex<long double>;
  const long double two_pi = 2 * std::numbers::pi_v<long double>;
  for (std::size_t k = 0; k < rows; ++k)
    for (std::size_t l = 0; l < cols; ++l) {
      C s = 0;
      for (std::size_t p = 0; p < rows; ++p)
        for (std::size_t q = 0; q < cols; ++q) {
          // exp(-2 pi i (k p / rows + l q / cols)), phases reduced exactly first
          const long double phase = -two_pi * (static_cast<long double>((k * p) % rows) / rows +
                                               static_cast<long double>((l * q) % cols) / cols);
          s += C(in[p * cols + q]) * C(std::cos(phase), std::sin(phase));
        }
      out[k * cols + l] = std::complex<double>(static_cast<double>(s.real()), static_cast<double>(s.imag()));
    }
}

}  // namespace hmp::workloads
