// FFTW alone, one thread: the time per matrix of the transforms hmp-fft2 and
// hmp-autocorr run (the limit of their FFT path), for one matrix at a time
// and for batches of `howmany` matrices through one plan_many plan. Plans
// come from the apps' own plan cache (same planner flags and wisdom); each
// figure is the median of --repeat runs over a few distinct matrices (in
// cache at one a time: the per-matrix cost, not the memory's). Prints one
// JSON line.
//
// usage: hmp-bench-fftw [repeat, default 7]
#include <workloads/fft_sizes.hpp>
#include <workloads/fftw_plans.hpp>

#include <fftw3.h>
#include <omp.h>

#include "repeat_argument.hpp"

#include <algorithm>
#include <iterator>
#include <cstdio>
#include <string>
#include <vector>

namespace {

namespace fftw = hmp::workloads::fftw;

struct Buffer {
  explicit Buffer(std::size_t bytes) : p(fftw_malloc(bytes)) {
    if (!p) throw std::bad_alloc();
    std::fill_n(static_cast<unsigned char*>(p), bytes, 0);
  }
  ~Buffer() { fftw_free(p); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* p;
};

constexpr int kPasses = 10;  // over the same matrices: a run of several ms
constexpr int kHowmany[] = {1, 2, 4, 8};
constexpr int kMatrices = 8;   // in cache at one a time (about 1.3 MB in and out)

// Median seconds per matrix of run(h, first matrix), for each h of kHowmany,
// the batch sizes alternating within every repeat (the machine is shared).
template <class Run>
std::string per_matrix_json(int repeat, Run run) {
  std::vector<std::vector<double>> t(std::size(kHowmany));
  for (int r = 0; r < repeat + 1; ++r)
    for (std::size_t k = 0; k < std::size(kHowmany); ++k) {
      const int h = kHowmany[k];
      const double t0 = omp_get_wtime();
      for (int pass = 0; pass < kPasses; ++pass)
        for (int m = 0; m + h <= kMatrices; m += h) run(k, m);
      if (r > 0) t[k].push_back((omp_get_wtime() - t0) / (kPasses * (kMatrices / h * h)));
    }
  std::string s;
  for (std::size_t k = 0; k < t.size(); ++k) {
    std::sort(t[k].begin(), t[k].end());
    s += (k ? ", \"" : "\"") + std::to_string(kHowmany[k]) + "\": " + std::to_string(t[k][t[k].size() / 2] * 1e6);
  }
  return "{" + s + "}";
}

// fft2 of 100 x 100 complex128, out of place (hmp-fft2's transform).
std::string fft2_figures(int repeat) {
  const int n0 = 100, n1 = 100;
  const std::size_t elems = static_cast<std::size_t>(n0) * n1;
  Buffer in(elems * kMatrices * sizeof(fftw_complex)), out(elems * kMatrices * sizeof(fftw_complex));
  auto* x = static_cast<fftw_complex*>(in.p);
  auto* y = static_cast<fftw_complex*>(out.p);
  std::vector<fftw_plan> plans;
  for (int h : kHowmany)
    plans.push_back(fftw::plan({fftw::Kind::dft_2d, n0, n1, h, fftw::alignment_of(x), fftw::alignment_of(y)}));
  return "\"fft2_100x100_us\": " +
         per_matrix_json(repeat, [&](std::size_t k, int m) { fftw_execute_dft(plans[k], x + m * elems, y + m * elems); });
}

// hmp-autocorr's FFT path for 100 x 100: r2c then c2r of the padded P x Q matrix.
std::string autocorr_figures(int repeat) {
  const int P = static_cast<int>(hmp::workloads::next_fftw_size(199)), Q = P;
  const std::size_t real = static_cast<std::size_t>(P) * Q, half = static_cast<std::size_t>(P) * (Q / 2 + 1);
  Buffer r(real * kMatrices * sizeof(double)), c(half * kMatrices * sizeof(fftw_complex));
  auto* x = static_cast<double*>(r.p);
  auto* y = static_cast<fftw_complex*>(c.p);
  std::vector<fftw_plan> fwd, inv;
  for (int h : kHowmany) {
    fwd.push_back(fftw::plan({fftw::Kind::r2c_2d, P, Q, h, fftw::alignment_of(x), fftw::alignment_of(y)}));
    inv.push_back(fftw::plan({fftw::Kind::c2r_2d, P, Q, h, fftw::alignment_of(y), fftw::alignment_of(x)}));
  }
  return "\"autocorr_100x100_pair_us\": " + per_matrix_json(repeat, [&](std::size_t k, int m) {
           fftw_execute_dft_r2c(fwd[k], x + m * real, y + m * half);
           fftw_execute_dft_c2r(inv[k], y + m * half, x + m * real);  // all zeros: nothing to spoil
         }) + ", \"autocorr_padded\": " + std::to_string(P);
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = repeat_argument(argc, argv, 7, "hmp-bench-fftw");
  if (!parsed) return 2;
  const int repeat = *parsed;
  const std::string a = fft2_figures(repeat), b = autocorr_figures(repeat);
  std::printf("{%s, %s, \"repeat\": %d}\n", a.c_str(), b.c_str(), repeat);
  return 0;
}
