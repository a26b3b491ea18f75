// hmp-bench-openmp: the limit hmp::Pool's map is measured against on one
// node: an OpenMP team doing the same no-op map (each item returns its input,
// results in a new std::vector), `parallel for schedule(static)` for the
// default chunking and `schedule(dynamic, 1)` for chunksize 1. Prints the
// same JSON keys as hmp-bench-pool (map_chunksize1_us_per_task,
// map_default_total_ms, ...) so run-pool-benchmark can set them side by side.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t items_chunk1 = 100000;
  std::size_t items_default = 1000000;
  int repeat = 7;
  int warmup = 1;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The no-op task, not inlined away: the pool calls its task through a
// closure too (one indirect call a claim, the task inlined into its loop).
int noop(int x) { return x; }

template <class Body>
std::vector<double> timed(const Options& o, Body&& body) {
  for (int w = 0; w < o.warmup; ++w) body();
  std::vector<double> seconds;
  for (int r = 0; r < o.repeat; ++r) {
    const auto t0 = Clock::now();
    body();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return seconds;
}

void check_identity(const std::vector<int>& out, std::size_t n, const char* what) {
  bool ok = out.size() == n;
  for (std::size_t i = 0; ok && i < n; ++i) ok = out[i] == static_cast<int>(i);
  if (!ok) {
    std::fprintf(stderr, "hmp-bench-openmp: %s returned wrong results\n", what);
    std::exit(1);
  }
}

void print_result(bool first, const char* key, const char* unit, std::size_t items, std::vector<double> v) {
  std::printf("%s\"%s\": {\"unit\": \"%s\", \"items\": %zu, \"median\": %.6g, \"min\": %.6g, \"samples\": [",
              first ? "" : ", ", key, unit, items, median(v), *std::min_element(v.begin(), v.end()));
  for (std::size_t j = 0; j < v.size(); ++j) std::printf("%s%.6g", j ? ", " : "", v[j]);
  std::printf("]}");
}

std::vector<double> scaled(std::vector<double> v, double f) {
  for (auto& x : v) x *= f;
  return v;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--json") continue;  // the only output there is
    if (i + 1 >= argc) return false;
    const long v = std::strtol(argv[++i], nullptr, 10);
    if (v < 1 || v > (1L << 31)) return false;
    if (a == "--items-chunk1") o.items_chunk1 = static_cast<std::size_t>(v);
    else if (a == "--items-default") o.items_default = static_cast<std::size_t>(v);
    else if (a == "--repeat") o.repeat = static_cast<int>(v);
    else if (a == "--warmup") o.warmup = static_cast<int>(v);
    else return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "hmp-bench-openmp: allowed are --items-chunk1 N, --items-default N, --repeat R, "
                         "--warmup W (whole numbers from 1), --json\n");
    return 2;
  }
  std::vector<int> in1(o.items_chunk1), in2(o.items_default);
  for (std::size_t i = 0; i < in1.size(); ++i) in1[i] = static_cast<int>(i);
  for (std::size_t i = 0; i < in2.size(); ++i) in2[i] = static_cast<int>(i);
  std::vector<int> out;
  const auto n1 = static_cast<long>(in1.size()), n2 = static_cast<long>(in2.size());
  const auto dynamic1 = timed(o, [&] {
    std::vector<int> r(in1.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < n1; ++i) r[static_cast<std::size_t>(i)] = noop(in1[static_cast<std::size_t>(i)]);
    out = std::move(r);
  });
  check_identity(out, in1.size(), "schedule(dynamic, 1)");
  const auto statics = timed(o, [&] {
    std::vector<int> r(in2.size());
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n2; ++i) r[static_cast<std::size_t>(i)] = noop(in2[static_cast<std::size_t>(i)]);
    out = std::move(r);
  });
  check_identity(out, in2.size(), "schedule(static)");
  std::printf("{\"tool\": \"openmp\", \"threads\": %d, \"repeat\": %d, \"results\": {", omp_get_max_threads(), o.repeat);
  print_result(true, "map_chunksize1_us_per_task", "us", in1.size(), scaled(dynamic1, 1e6 / static_cast<double>(n1)));
  print_result(false, "map_chunksize1_total_ms", "ms", in1.size(), scaled(dynamic1, 1e3));
  print_result(false, "map_default_us_per_task", "us", in2.size(), scaled(statics, 1e6 / static_cast<double>(n2)));
  print_result(false, "map_default_total_ms", "ms", in2.size(), scaled(statics, 1e3));
  std::printf("}}\n");
  return 0;
}
