// A STREAM-style triad, a[i] = b[i] + s * c[i], on the OpenMP team: the
// memory bandwidth hmp-sum is compared with (run-app-benchmarks). Reports
// STREAM's way, 24 bytes moved per element (no write-allocate counted), the
// best and the median of --repeat runs, as one JSON line on stdout.
//
// usage: hmp-bench-triad [elements per array, default 5e7] [repeat, default 10]
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  long long n = 50'000'000;
  int repeat = 10;
  try {
    if (argc > 1) n = std::stoll(argv[1]);
    if (argc > 2) repeat = std::stoi(argv[2]);
  } catch (const std::exception&) {
    n = 0;
  }
  if (n < 1000 || n > 2'000'000'000 || repeat < 1 || repeat > 1000) {
    std::fprintf(stderr, "hmp-bench-triad: elements from 1000 to 2e9, repeat from 1 to 1000\n");
    return 2;
  }
  std::unique_ptr<double[]> a(new double[static_cast<std::size_t>(n)]), b(new double[static_cast<std::size_t>(n)]),
      c(new double[static_cast<std::size_t>(n)]);
  // First touch by the team that will use the pages (as STREAM does).
#pragma omp parallel for schedule(static)
  for (long long i = 0; i < n; ++i) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
  const double s = 3.0;
  std::vector<double> seconds;
  for (int r = 0; r < repeat + 1; ++r) {  // the first run is a warmup
    const double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
    for (long long i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
    const double t = omp_get_wtime() - t0;
    if (r > 0) seconds.push_back(t);
  }
  double check = 0;  // keeps the stores alive
  for (long long i = 0; i < n; i += 4096) check += a[i];
  std::sort(seconds.begin(), seconds.end());
  const double bytes = 24.0 * static_cast<double>(n);
  const double median = seconds[seconds.size() / 2];
  std::printf("{\"triad_best_gbs\": %.3f, \"triad_median_gbs\": %.3f, \"elements\": %lld, \"threads\": %d, "
              "\"repeat\": %d, \"check\": %.1f}\n",
              bytes / seconds.front() / 1e9, bytes / median / 1e9, n, omp_get_max_threads(), repeat, check);
  return check == 7.0 * static_cast<double>((n + 4095) / 4096) ? 0 : 1;
}
