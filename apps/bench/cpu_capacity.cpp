// How many cores this machine really gives at the moment: a fixed chain of
// dependent floating-point additions, run on 1 thread and then on T threads
// at once. On T free cores every thread takes as long as one alone; on a
// shared or throttled host they take longer. Prints one JSON line with the
// capacity T * t(1) / t(T) (2.0 on two free cores, 1.0 when two threads share
// one core's worth of time). run-app-benchmarks prints it beside the ratios.
//
// usage: hmp-bench-cpu-capacity [threads, default 2]
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

double chain_seconds() {
  const double t0 = omp_get_wtime();
  volatile double sink = 0;
  double x = 0;
  for (long i = 0; i < 200'000'000; ++i) x += 1e-9;  // latency-bound: no memory, no SIMD
  sink = x;
  (void)sink;
  return omp_get_wtime() - t0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  if (argc > 1) threads = std::atoi(argv[1]);
  if (threads < 1 || threads > 256) {
    std::fprintf(stderr, "hmp-bench-cpu-capacity: threads from 1 to 256\n");
    return 2;
  }
  const double alone = chain_seconds();
  std::vector<double> each(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
  each[static_cast<std::size_t>(omp_get_thread_num())] = chain_seconds();
  double slowest = 0;
  for (double t : each) slowest = t > slowest ? t : slowest;
  std::printf("{\"threads\": %d, \"alone_s\": %.4f, \"together_s\": %.4f, \"capacity\": %.2f}\n", threads, alone,
              slowest, threads * alone / slowest);
  return 0;
}
