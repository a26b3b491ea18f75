// One core's peak double-precision rate: independent chains of vector
// fused multiply-adds (enough of them to hide the FMA latency on both
// pipes), in the widest ISA this CPU has. The limit the batched determinant
// kernel is compared with (run-app-benchmarks). Prints one JSON line: the
// best and the median GFLOP/s of --repeat runs (2 FLOP per lane per FMA).
//
// usage: hmp-bench-fma [repeat, default 7]
#include <omp.h>

#include "repeat_argument.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr long kIterations = 20'000'000;

// Chains x lanes must fit the register file: 12 x 8 doubles in 32 zmm
// registers, 10 x 4 in 16 ymm ones. Returns FLOPs done.
template <class Vec, int Chains>
[[gnu::always_inline]] inline double chains(double seed, double& sink) {
  Vec acc[Chains];
  for (int c = 0; c < Chains; ++c) acc[c] = Vec{} + seed * (c + 1);
  const Vec a = Vec{} + 0.999999, b = Vec{} + 1e-7;
  for (long i = 0; i < kIterations; ++i)
    for (int c = 0; c < Chains; ++c) acc[c] = acc[c] * a + b;  // contracted to one FMA
  Vec total{};
  for (int c = 0; c < Chains; ++c) total += acc[c];
  for (int l = 0; l < static_cast<int>(sizeof(Vec) / sizeof(double)); ++l) sink += total[l];
  return 2.0 * Chains * static_cast<double>(sizeof(Vec) / sizeof(double)) * static_cast<double>(kIterations);
}

#pragma GCC diagnostic ignored "-Wpsabi"
typedef double Vec8 __attribute__((vector_size(64)));
typedef double Vec4 __attribute__((vector_size(32)));

[[gnu::target("avx512f,fma")]] double run_avx512(double seed, double& sink) { return chains<Vec8, 12>(seed, sink); }
[[gnu::target("avx2,fma")]] double run_avx2(double seed, double& sink) { return chains<Vec4, 10>(seed, sink); }

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = repeat_argument(argc, argv, 7, "hmp-bench-fma");
  if (!parsed) return 2;
  const int repeat = *parsed;
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
    std::fprintf(stderr, "hmp-bench-fma: this CPU has neither AVX-512 nor AVX2 with FMA\n");
    return 1;
  }
  std::vector<double> gflops;
  double sink = 0;
  for (int r = 0; r < repeat + 1; ++r) {  // the first run is a warmup (clock ramp-up)
    const double t0 = omp_get_wtime();
    const double flops = avx512 ? run_avx512(1e-3 * r, sink) : run_avx2(1e-3 * r, sink);
    const double t = omp_get_wtime() - t0;
    if (r > 0) gflops.push_back(flops / t / 1e9);
  }
  std::sort(gflops.begin(), gflops.end());
  std::printf("{\"fma_best_gflops\": %.2f, \"fma_median_gflops\": %.2f, \"isa\": \"%s\", \"repeat\": %d, "
              "\"check\": %.3g}\n",
              gflops.back(), gflops[gflops.size() / 2], avx512 ? "avx512f" : "avx2", repeat, sink);
  return sink > 0 ? 0 : 1;
}
