#include <workloads/fft_sizes.hpp>

#include <initializer_list>

namespace hmp::workloads {

std::size_t next_fftw_size(std::size_t n) {
  if (n <= 1) return 1;
  for (std::size_t m = n;; ++m) {
    std::size_t r = m;
    for (std::size_t p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;  // such numbers are dense: the loop is short
  }
}

}  // namespace hmp::workloads
