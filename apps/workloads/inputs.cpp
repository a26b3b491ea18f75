#include <workloads/inputs.hpp>

namespace hmp::workloads {

std::uint64_t mix(std::uint64_t seed, std::uint64_t index) noexcept {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + (index + 1) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {
// The top 53 bits as a double in [0, 1).
double unit(std::uint64_t bits) noexcept { return static_cast<double>(bits >> 11) * 0x1.0p-53; }
}  // namespace

std::vector<double> random_doubles(std::size_t n, std::uint64_t seed) {
  std::vector<double> v(n);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) v[i] = unit(mix(seed, i));
  return v;
}

std::vector<double> random_signed_doubles(std::size_t n, std::uint64_t seed) {
  std::vector<double> v(n);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) v[i] = 2.0 * unit(mix(seed, i)) - 1.0;
  return v;
}

std::vector<std::int64_t> random_int64(std::size_t n, std::int64_t lo, std::int64_t hi, std::uint64_t seed) {
  std::vector<std::int64_t> v(n);
  const auto span = static_cast<std::uint64_t>(hi - lo);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) v[i] = lo + static_cast<std::int64_t>(mix(seed, i) % span);
  return v;
}

std::vector<std::complex<double>> random_complex(std::size_t n, std::uint64_t seed) {
  std::vector<std::complex<double>> v(n);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i)
    v[i] = {2.0 * unit(mix(seed, 2 * i)) - 1.0, 2.0 * unit(mix(seed, 2 * i + 1)) - 1.0};
  return v;
}

}  // namespace hmp::workloads
