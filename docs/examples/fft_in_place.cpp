// Chapter "Benchmarks", why the 2D FFT pays here: the matrices sit in a
// shared window, each rank transforms the ones it claims in place, and only
// the parts written on other nodes travel (gather_to_root). Nothing is
// pickled, no process is started, no result is copied back on the node.
#include <hmp/pool.hpp>
#include <hmp/shared_array.hpp>

#include <unsupported/Eigen/FFT>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <vector>

namespace {

using C = std::complex<double>;
constexpr std::size_t rows = 32, cols = 32, count = 64;

// fft2 of one column-major rows x cols matrix, in place: columns, then rows.
void fft2(C* a) {
  Eigen::FFT<double> fft;
  std::vector<C> in, out;
  for (std::size_t j = 0; j < cols; ++j) {
    in.assign(a + j * rows, a + (j + 1) * rows);
    fft.fwd(out, in);
    std::copy(out.begin(), out.end(), a + j * rows);
  }
  for (std::size_t i = 0; i < rows; ++i) {
    in.resize(cols);
    for (std::size_t j = 0; j < cols; ++j) in[j] = a[i + j * rows];
    fft.fwd(out, in);
    for (std::size_t j = 0; j < cols; ++j) a[i + j * rows] = out[j];
  }
}

C input(std::size_t k) { return {std::sin(0.1 * double(k)), std::cos(0.07 * double(k % 977))}; }

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  const std::size_t each = rows * cols;

  hmp::SharedArray<C> stack(rt, count * each);  // one copy per node
  if (rt.is_root())
    for (std::size_t k = 0; k < stack.size(); ++k) stack[k] = input(k);
  stack.broadcast_from_root();  // every node starts from root's matrices

  // Which matrices did this rank transform? (Each index is written by one thread.)
  std::vector<char> mine(count, 0);
  {
    hmp::Pool pool(rt);
    pool.for_each(count, [&](std::size_t s) {
      fft2(stack.data() + s * each);
      mine[s] = 1;
    });
  }
  std::vector<hmp::IndexRange> written;
  for (std::size_t s = 0; s < count; ++s)
    if (mine[s]) written.push_back({s * each, (s + 1) * each});
  stack.gather_to_root(written);  // other nodes' results to root's node (no-op on one node)

  if (rt.is_root()) {
    std::vector<C> want(count * each);
    for (std::size_t k = 0; k < want.size(); ++k) want[k] = input(k);
    for (std::size_t s = 0; s < count; ++s) fft2(want.data() + s * each);
    double worst = 0;
    for (std::size_t k = 0; k < want.size(); ++k) worst = std::max(worst, std::abs(stack[k] - want[k]) / (1 + std::abs(want[k])));
    std::printf("%zu matrices of %zu x %zu on %d node(s): transformed in place, %s\n", count, rows, cols,
                stack.nodes(), worst < 1e-12 ? "same as sequential" : "DIFFERENT");
  }
}
