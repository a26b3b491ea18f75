// Chapter "numba: @jit(parallel=True) and prange": the loop over slices as an
// OpenMP loop on one rank's threads, a reduction, and both levels at once
// (ranks of a Pool, each running its chunks on its OpenMP team).
#include <hmp/pool.hpp>

#include <Eigen/Dense>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

constexpr std::size_t n = 8, m = 400;

double element(std::size_t i, std::size_t j, std::size_t s) {
  return (i == j ? double(n) : 0.0) + double((i * 13 + j * 5 + s * 3) % 7) / 7.0;
}

double det(const std::vector<double>& tensor, std::size_t s) {
  return Eigen::MatrixXd(Eigen::Map<const Eigen::MatrixXd>(tensor.data() + s * n * n, n, n)).determinant();
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  for (std::size_t s = 0; s < a.size(); ++s)
    if (std::abs(a[s] - b[s]) > 1e-12 * std::abs(b[s])) return false;
  return a.size() == b.size();
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  std::vector<double> tensor(n * n * m);  // replicated: every rank builds the same tensor
  for (std::size_t s = 0; s < m; ++s)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) tensor[i + j * n + s * n * n] = element(i, j, s);

  std::vector<double> sequential(m), prange(m);
  std::int64_t total = 0;
  if (rt.is_root()) {  // numba runs in one process: here, root's threads
    for (std::size_t s = 0; s < m; ++s) sequential[s] = det(tensor, s);

    // for s in prange(m): out[s] = det(tensor[:, :, s])
#pragma omp parallel for schedule(static)
    for (std::size_t s = 0; s < m; ++s) prange[s] = det(tensor, s);

    // A reduction: numba turns `total += ...` in a prange into one; OpenMP says so.
#pragma omp parallel for reduction(+ : total)
    for (std::int64_t k = 1; k <= 1'000'000; ++k) total += k;
  }

  // Both levels: ranks share the slices (dynamic schedule), each rank's
  // chunk runs on its OpenMP team of `threads`.
  hmp::Pool pool(rt, {.threads = 2});
  std::vector<std::size_t> slices(m);
  for (std::size_t s = 0; s < m; ++s) slices[s] = s;
  auto hybrid = pool.map([&](std::size_t s) { return det(tensor, s); }, slices);

  if (rt.is_root()) {
    std::printf("prange (OpenMP parallel for): %s\n", same(prange, sequential) ? "same as sequential" : "DIFFERENT");
    std::printf("reduction: total = %lld\n", static_cast<long long>(total));
    std::printf("Pool of %d ranks x %d threads: %s\n", pool.size(), pool.threads(),
                same(hybrid, sequential) ? "same as sequential" : "DIFFERENT");
  }
}
