// The workload kernels against known values (scipy/numpy numbers computed
// once and kept here) and against independent references (a naive DFT, the
// correlation's definition, Laplace expansion).
#include <workloads/correlate2d.hpp>
#include <workloads/determinant.hpp>
#include <workloads/determinant_batched.hpp>
#include <workloads/fft2.hpp>
#include <workloads/fft_sizes.hpp>
#include <workloads/fftw_plans.hpp>
#include <workloads/inputs.hpp>
#include <workloads/sum.hpp>

#include "../support/env_guard.hpp"

#include <hmp/errors.hpp>

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <string>
#include <vector>

namespace w = hmp::workloads;
using cd = std::complex<double>;

TEST(FftSizes, NextFftwFriendlySize) {
  EXPECT_EQ(w::next_fftw_size(0), 1u);
  EXPECT_EQ(w::next_fftw_size(1), 1u);
  EXPECT_EQ(w::next_fftw_size(199), 200u);
  EXPECT_EQ(w::next_fftw_size(11), 12u);
  EXPECT_EQ(w::next_fftw_size(13), 14u);
  EXPECT_EQ(w::next_fftw_size(121), 125u);
  EXPECT_EQ(w::next_fftw_size(1023), 1024u);
  EXPECT_EQ(w::next_fftw_size(2 * 100 - 1), 200u);
}

TEST(Sum, IterativeSumKnownValues) {
  const std::vector<std::int64_t> ints{1, 2, 3, 4, 5, -20};
  EXPECT_EQ(w::iterative_sum(std::span<const std::int64_t>(ints)), -5);
  const std::vector<double> dbl{0.5, 0.25, 0.125};
  EXPECT_EQ(w::iterative_sum(std::span<const double>(dbl)), 0.875);
  EXPECT_EQ(w::iterative_sum(std::span<const double>()), 0.0);
}

TEST(Sum, Int64WrapsLikeNumpy) {
  const std::vector<std::int64_t> v{std::numeric_limits<std::int64_t>::max(), 1};
  EXPECT_EQ(w::iterative_sum(std::span<const std::int64_t>(v)), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(w::team_sum(std::span<const std::int64_t>(v)), std::numeric_limits<std::int64_t>::min());
}

TEST(Sum, SimdMatchesIterativeAndPartsAddUp) {
  const auto ints = w::random_int64(100003, -1000, 1000, 7);
  std::int64_t reference = 0;
  for (auto x : ints) reference += x;
  EXPECT_EQ(w::team_sum(std::span<const std::int64_t>(ints)), reference);
  // Cyclic-free check of parts: block parts add up to the whole.
  std::span<const std::int64_t> all(ints);
  EXPECT_EQ(w::iterative_sum(all.first(50000)) + w::iterative_sum(all.subspan(50000)), reference);

  const auto d = w::random_doubles(100003, 8);
  long double exact = 0;
  for (auto x : d) exact += x;
  const double tol = w::sum_tolerance(d);
  EXPECT_GT(tol, 0.0);
  EXPECT_NEAR(w::iterative_sum(std::span<const double>(d)), static_cast<double>(exact), tol);
  EXPECT_NEAR(w::team_sum(std::span<const double>(d)), static_cast<double>(exact), tol);
}

TEST(Sum, MultiAccumulatorKernelEveryLengthAndWrap) {
  // Every remainder of the eight accumulators, against an exact integer sum
  // (and doubles holding small integers, so every order of additions is exact).
  for (std::size_t n = 0; n < 40; ++n) {
    const auto ints = w::random_int64(n, -1000, 1000, 11 + n);
    std::int64_t exact = 0;
    for (auto x : ints) exact += x;
    EXPECT_EQ(w::multi_sum(std::span<const std::int64_t>(ints)), exact) << n;
    std::vector<double> d(ints.begin(), ints.end());
    EXPECT_EQ(w::multi_sum(std::span<const double>(d)), static_cast<double>(exact)) << n;
    EXPECT_EQ(w::team_sum(std::span<const double>(d), w::iterative_sum), static_cast<double>(exact)) << n;
  }
  std::vector<std::int64_t> wrap(17, 0);
  wrap[3] = std::numeric_limits<std::int64_t>::max();
  wrap[12] = 1;
  EXPECT_EQ(w::multi_sum(std::span<const std::int64_t>(wrap)), std::numeric_limits<std::int64_t>::min());
  const auto d = w::random_doubles(100003, 9);
  long double exact = 0;
  for (auto x : d) exact += x;
  EXPECT_NEAR(w::multi_sum(std::span<const double>(d)), static_cast<double>(exact), w::sum_tolerance(d));
}

TEST(Inputs, SameSeedSameNumbersWhateverTheThreads) {
  omp_set_num_threads(1);
  const auto a = w::random_doubles(1000, 3);
  omp_set_num_threads(2);
  const auto b = w::random_doubles(1000, 3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, w::random_doubles(1000, 4));
  for (double x : a) ASSERT_TRUE(x >= 0.0 && x < 1.0);
}

namespace {
// Laplace expansion: exact for small integer matrices.
double laplace(const std::vector<double>& m, int n) {
  if (n == 1) return m[0];
  double det = 0;
  for (int c = 0; c < n; ++c) {
    std::vector<double> minor;
    for (int i = 1; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (j != c) minor.push_back(m[i * n + j]);
    det += (c % 2 ? -1 : 1) * m[c] * laplace(minor, n - 1);
  }
  return det;
}
}  // namespace

TEST(Determinant, KnownValuesAndNumpy) {
  w::RowMatrix m(3, 3);
  m << 2, -1, 0, -1, 2, -1, 0, -1, 2;
  EXPECT_NEAR(w::determinant(m), 4.0, 1e-12);
  m << -5, 4, 3, 2, -1, 0, 1, 1, -3;
  EXPECT_NEAR(w::determinant(m), 17.999999999999996, 1e-12);  // numpy.linalg.det
  w::RowMatrix singular(2, 2);
  singular << 1, 2, 2, 4;
  EXPECT_EQ(w::determinant(singular), 0.0);
  EXPECT_EQ(w::determinant(w::RowMatrix(0, 0)), 1.0);
}

TEST(Determinant, SliceLayoutIsNumpys) {
  // tensor[i][j][s] at (i*size + j)*items + s: slice 1 of this (2, 2, 3) tensor is [[1, 3], [5, 7]].
  const std::vector<double> t{0, 1, 2, 0, 3, 0, 0, 5, 0, 0, 7, 0};
  w::RowMatrix g;
  w::gather_slice(t.data(), 2, 3, 1, g);
  w::RowMatrix expected(2, 2);
  expected << 1, 3, 5, 7;
  EXPECT_EQ(g, expected);
  EXPECT_EQ(w::RowMatrix(w::slice_view(t.data(), 2, 3, 1)), expected);
  w::DeterminantWorkspace ws;
  EXPECT_NEAR(ws(t.data(), 2, 3, 1), 7.0 - 15.0, 1e-12);
}

TEST(Determinant, RandomTensorAgainstLaplace) {
  const std::size_t n = 5, items = 12;
  const auto t = w::random_tensor(n, items, 42);
  ASSERT_EQ(t.size(), n * n * items);
  bool negative = false, positive = false;
  for (double x : t) {
    ASSERT_EQ(x, std::floor(x));
    ASSERT_TRUE(x >= -5 && x < 5) << x;
    negative |= x == -5;
    positive |= x == 4;
  }
  EXPECT_TRUE(negative && positive) << "entries should span [-5, 5)";
  std::vector<double> dets(items);
  w::determinants(t.data(), n, items, 0, items, dets.data());
  for (std::size_t s = 0; s < items; ++s) {
    std::vector<double> m(n * n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) m[i * n + j] = t[(i * n + j) * items + s];
    const double exact = laplace(m, static_cast<int>(n));
    EXPECT_NEAR(dets[s], exact, 1e-9 * std::max(1.0, std::fabs(exact))) << "slice " << s;
  }
  EXPECT_THROW(w::tensor_elements(std::size_t(1) << 40, std::size_t(1) << 40), std::length_error);
}

namespace {
// |computed det - exact det| for any LU with partial pivoting of a backward
// stable kind: about n * eps * ||A||_F^n (holds for singular and
// ill-conditioned matrices too, where a relative bound cannot).
double det_rounding_bound(const std::vector<double>& m, std::size_t n) {
  double f = 0;
  for (double x : m) f += x * x;
  return 8.0 * static_cast<double>(n) * std::numeric_limits<double>::epsilon() * std::pow(std::sqrt(f), static_cast<double>(n));
}

std::vector<double> slice_of(const std::vector<double>& t, std::size_t n, std::size_t items, std::size_t s) {
  std::vector<double> m(n * n);
  for (std::size_t e = 0; e < n * n; ++e) m[e] = t[e * items + s];
  return m;
}

void set_slice(std::vector<double>& t, std::size_t n, std::size_t items, std::size_t s, const std::vector<double>& m) {
  for (std::size_t e = 0; e < n * n; ++e) t[e * items + s] = m[e];
}
}  // namespace

TEST(DeterminantBatched, MatchesPerMatrixKernelAtEverySizeAndRange) {
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 7u, 10u, 13u}) {
    for (std::size_t items : {1u, 15u, 16u, 17u, 50u}) {
      const auto t = w::random_tensor(n, items, 7 + n + items);
      std::vector<double> want(items), got(items, -1.0);
      w::determinants(t.data(), n, items, 0, items, want.data());
      w::determinants_batched(t.data(), n, items, 0, items, got.data());
      for (std::size_t s = 0; s < items; ++s)
        ASSERT_NEAR(got[s], want[s], det_rounding_bound(slice_of(t, n, items, s), n))
            << n << "x" << n << " x " << items << ", slice " << s;
      if (items < 3) continue;
      // A range that starts and ends inside blocks writes only its own dets.
      std::vector<double> part(items, -7.0);
      w::determinants_batched(t.data(), n, items, 1, items - 1, part.data());
      for (std::size_t s = 1; s + 1 < items; ++s)
        ASSERT_NEAR(part[s - 1], want[s], det_rounding_bound(slice_of(t, n, items, s), n)) << "slice " << s;
      EXPECT_EQ(part[items - 2], -7.0);
      EXPECT_EQ(part[items - 1], -7.0);
    }
  }
  EXPECT_EQ(w::lu_flops(10), 615.0);
}

TEST(DeterminantBatched, SingularAndIllConditionedSlices) {
  const std::size_t n = 6, items = 21;
  auto t = w::random_tensor(n, items, 3);
  auto m = slice_of(t, n, items, 0);
  // Slice 1: an all-zero matrix. Slice 2: a zero column. Slice 3: rows 1 and 4 equal.
  set_slice(t, n, items, 1, std::vector<double>(n * n, 0.0));
  auto zero_column = m;
  for (std::size_t i = 0; i < n; ++i) zero_column[i * n + 2] = 0;
  set_slice(t, n, items, 2, zero_column);
  auto equal_rows = m;
  std::copy_n(m.begin() + 1 * n, n, equal_rows.begin() + 4 * n);
  set_slice(t, n, items, 3, equal_rows);
  // Slice 4: rows 0 and 5 equal but for 1e-9. Slice 5: a 6x6 Hilbert matrix (det 5.3673e-18).
  auto close_rows = m;
  std::copy_n(m.begin(), n, close_rows.begin() + 5 * n);
  close_rows[5 * n + 3] += 1e-9;
  set_slice(t, n, items, 4, close_rows);
  std::vector<double> hilbert(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) hilbert[i * n + j] = 1.0 / static_cast<double>(i + j + 1);
  set_slice(t, n, items, 5, hilbert);
  // Slice 6: ties for the pivot in every column (LAPACK takes the first).
  std::vector<double> ties(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) ties[i * n + j] = (i + j) % 2 ? 1.0 : -1.0 + (i == j ? 3.0 : 0.0);
  set_slice(t, n, items, 6, ties);

  std::vector<double> want(items), got(items);
  w::determinants(t.data(), n, items, 0, items, want.data());
  w::determinants_batched(t.data(), n, items, 0, items, got.data());
  EXPECT_EQ(got[1], 0.0);
  EXPECT_EQ(got[2], 0.0);
  EXPECT_NEAR(got[3], 0.0, det_rounding_bound(equal_rows, n));
  EXPECT_NEAR(got[5], 5.3673e-18, 1e-21);  // exact: 1 / 186313420339200000
  for (std::size_t s = 0; s < items; ++s) {
    ASSERT_TRUE(std::isfinite(got[s])) << "slice " << s;
    EXPECT_NEAR(got[s], want[s], det_rounding_bound(slice_of(t, n, items, s), n)) << "slice " << s;
  }
}

namespace {
void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t k = 0; k < got.size(); ++k) ASSERT_NEAR(got[k], want[k], tol) << what << " element " << k;
}
std::vector<double> autocorr(w::CorrelateAlgorithm alg, const std::vector<double>& a, std::size_t r, std::size_t c) {
  std::vector<double> out(w::autocorrelate2d_output_size(r, c), -1.0);
  w::autocorrelate2d(alg, a.data(), r, c, out.data());
  return out;
}
}  // namespace

TEST(Correlate2d, ScipyFixedCases) {
  // scipy.signal.correlate2d(a, a, 'full'), scipy 1.10.1.
  const std::vector<double> a{1, 2, 3, 4, 5, 6};
  const std::vector<double> a_full{6, 17, 32, 23, 12, 27, 58, 91, 58, 27, 12, 23, 32, 17, 6};
  const std::vector<double> b{0.5, -1, 2, 3, 0.25, -2, 1.5, 4, -0.75};
  const std::vector<double> b_full{-0.375, 2.75,  -4.75, 6.5,     3,      -3.25,  13.9375, 4.25, -10.125,
                                   3,      -6.125, 0.75, 37.125, 0.75,    -6.125, 3,       -10.125, 4.25,
                                   13.9375, -3.25, 3,     6.5,    -4.75,   2.75,   -0.375};
  for (auto alg : {w::CorrelateAlgorithm::direct, w::CorrelateAlgorithm::fft, w::CorrelateAlgorithm::automatic}) {
    expect_close(autocorr(alg, a, 2, 3), a_full, 1e-12, "2x3");
    expect_close(autocorr(alg, b, 3, 3), b_full, 1e-12, "3x3");
  }
}

TEST(Correlate2d, FftMatchesDirectOnManyShapes) {
  const std::size_t shapes[][2] = {{1, 1}, {1, 7}, {6, 1}, {4, 4}, {7, 13}, {13, 7}, {31, 20}, {50, 50}};
  for (const auto& s : shapes) {
    const auto a = w::random_signed_doubles(s[0] * s[1], s[0] * 100 + s[1]);
    const auto direct = autocorr(w::CorrelateAlgorithm::direct, a, s[0], s[1]);
    const double scale = *std::max_element(direct.begin(), direct.end());  // the zero shift: sum a^2
    expect_close(autocorr(w::CorrelateAlgorithm::fft, a, s[0], s[1]), direct, 1e-12 * std::max(1.0, scale),
                 "fft vs direct");
  }
}

TEST(Correlate2d, FftBatchesAndRemainderMatchDirect) {
  // 7 matrices of 5x6 in batches of 3 (two batches and one left over) and of
  // the build's batch: each output equals the definition's.
  const std::size_t rows = 5, cols = 6, count = 7, in = rows * cols, out = w::autocorrelate2d_output_size(rows, cols);
  const auto a = w::random_signed_doubles(count * in, 4);
  std::vector<double> want(count * out);
  for (std::size_t m = 0; m < count; ++m) w::autocorrelate2d_direct(a.data() + m * in, rows, cols, want.data() + m * out);
  for (int batch : {3, w::kAutocorrBatch}) {
    std::vector<double> got(count * out, -1.0);
    w::autocorrelate2d_fft_many(a.data(), rows, cols, count, got.data(), batch);
    expect_close(got, want, 1e-10, "batched FFT correlation");
  }
  std::vector<double> got(count * out, -1.0);
  w::autocorrelate2d_many(w::CorrelateAlgorithm::direct, a.data(), rows, cols, count, got.data());
  EXPECT_EQ(got, want);
}

TEST(Correlate2d, AutoPicksDirectForTinyAndFftForLarge) {
  EXPECT_EQ(w::choose_autocorrelate2d(3, 3), w::CorrelateAlgorithm::direct);
  EXPECT_EQ(w::choose_autocorrelate2d(4, 4), w::CorrelateAlgorithm::direct);
  EXPECT_EQ(w::choose_autocorrelate2d(6, 6), w::CorrelateAlgorithm::fft);
  EXPECT_EQ(w::choose_autocorrelate2d(100, 100), w::CorrelateAlgorithm::fft);
}

TEST(Correlate2d, ThreadsShareOnePlan) {
  const std::size_t n = 24, items = 16;
  const auto a = w::random_signed_doubles(n * n * items, 5);
  const std::size_t out_n = w::autocorrelate2d_output_size(n, n);
  std::vector<double> serial(out_n * items), parallel(out_n * items);
  w::prepare_autocorrelate2d_fft(n, n);
  for (std::size_t m = 0; m < items; ++m) w::autocorrelate2d_fft(a.data() + m * n * n, n, n, serial.data() + m * out_n);
#pragma omp parallel for num_threads(2) schedule(dynamic, 1)
  for (std::size_t m = 0; m < items; ++m)
    w::autocorrelate2d_fft(a.data() + m * n * n, n, n, parallel.data() + m * out_n);
  EXPECT_EQ(serial, parallel);
}

namespace {
void expect_close(const std::vector<cd>& got, const std::vector<cd>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t k = 0; k < got.size(); ++k)
    ASSERT_LE(std::abs(got[k] - want[k]), tol) << what << " element " << k << ": " << got[k] << " vs " << want[k];
}
}  // namespace

TEST(Fft2, NumpyFixedCases) {
  // numpy.fft.fft2, numpy 1.24.2.
  const std::vector<cd> c{{1, 2}, {0, -1}, {0.5, 0}, {2, 0}, {3, -1}, {-1.5, 0.5}};
  const std::vector<cd> c_fft{{5, 0.5},
                              {-0.1650635094610966, -0.7141016151377544},
                              {4.165063509461096, 6.214101615137755},
                              {-2, 1.5},
                              {-0.06698729810778059, 6.580127018922193},
                              {-0.9330127018922194, -2.080127018922193}};
  const std::vector<cd> d{1, 2, 0, -1, 0.5, -2, 3, 1, 2, 2, -1, 0};
  const std::vector<cd> d_fft{{7.5, 0},
                              {1.5, -2},
                              {3.5, 0},
                              {1.5, 2},
                              {-0.75, 0.4330127018922193},
                              {5.080127018922193, 1.2631397208144124},
                              {-1.75, -4.763139720814412},
                              {-3.5801270189221928, 8.263139720814412},
                              {-0.75, -0.4330127018922193},
                              {-3.5801270189221928, -8.263139720814412},
                              {-1.75, 4.763139720814412},
                              {5.080127018922193, -1.2631397208144124}};
  std::vector<cd> out(6), naive(6);
  w::fft2(c.data(), out.data(), 2, 3, 1);
  w::fft2_naive(c.data(), naive.data(), 2, 3);
  expect_close(out, c_fft, 1e-13, "fftw 2x3");
  expect_close(naive, c_fft, 1e-13, "naive 2x3");
  std::vector<cd> out2(12), naive2(12);
  w::fft2(d.data(), out2.data(), 3, 4, 1);
  w::fft2_naive(d.data(), naive2.data(), 3, 4);
  expect_close(out2, d_fft, 1e-13, "fftw 3x4");
  expect_close(naive2, d_fft, 1e-13, "naive 3x4");
}

TEST(Fft2, BatchesAndRemainderMatchNaiveAtAnyAlignment) {
  const std::size_t shapes[][2] = {{1, 1}, {5, 7}, {8, 8}, {16, 12}};
  for (const auto& s : shapes) {
    const std::size_t n = s[0] * s[1], count = 2 * w::kFft2Batch + 3;
    // One extra element in front: items start off FFTW's preferred alignment.
    for (std::size_t shift : {0, 1}) {
      auto storage = w::random_complex(n * count + shift, n + shift);
      const cd* in = storage.data() + shift;
      const std::vector<cd> before(in, in + n * count);
      std::vector<cd> out(n * count + shift);
      w::prepare_fft2(s[0], s[1]);
      w::fft2(in, out.data() + shift, s[0], s[1], count);
      EXPECT_EQ(std::vector<cd>(in, in + n * count), before) << "input changed";
      std::vector<cd> want(n * count);
      for (std::size_t m = 0; m < count; ++m) w::fft2_naive(in + m * n, want.data() + m * n, s[0], s[1]);
      expect_close(std::vector<cd>(out.begin() + static_cast<std::ptrdiff_t>(shift), out.end()), want,
                   1e-12 * static_cast<double>(n), "fft2 vs naive");
    }
  }
}

// HMP_FFTW_PLANNER: FFTW's three planner rigours by name (unset or empty:
// measure); any other value is refused, named with what is allowed.
TEST(FftwPlanner, ThreeNamesAndAClearErrorForAnyOther) {
  namespace fftw = hmp::workloads::fftw;
  EnvGuard planner("HMP_FFTW_PLANNER");
  planner.unset();
  EXPECT_EQ(fftw::planner_flags(), FFTW_MEASURE);
  planner.set("");
  EXPECT_EQ(fftw::planner_flags(), FFTW_MEASURE);
  planner.set("estimate");
  EXPECT_EQ(fftw::planner_flags(), FFTW_ESTIMATE);
  planner.set("measure");
  EXPECT_EQ(fftw::planner_flags(), FFTW_MEASURE);
  planner.set("patient");
  EXPECT_EQ(fftw::planner_flags(), FFTW_PATIENT);
  for (const char* bad : {"exhaustive", "Measure", "patient ", "1"}) {
    planner.set(bad);
    try {
      fftw::planner_flags();
      ADD_FAILURE() << "no error for HMP_FFTW_PLANNER=" << bad;
    } catch (const hmp::UsageError& e) {
      EXPECT_EQ(std::string(e.what()), "HMP_FFTW_PLANNER='" + std::string(bad) +
                                           "' is not allowed: give estimate, measure (the default) or patient");
    }
  }
}
