// FFT lengths FFTW is fast at: products of small primes.
#pragma once

#include <cstddef>

namespace hmp::workloads {

/// The smallest m >= n of the form 2^a 3^b 5^c 7^d (199 -> 200); 1 for n <= 1.
std::size_t next_fftw_size(std::size_t n);

}  // namespace hmp::workloads
