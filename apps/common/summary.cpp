#include <common/summary.hpp>

#include <cstdio>

namespace hmp::apps {

void print_summary(const std::string& app, const std::string& what, const std::string& layout,
                   const std::vector<SummaryRow>& rows, const std::string& timed_region) {
  double sequential = 0;
  for (const auto& r : rows)
    if (r.method == "sequential") sequential = r.median;
  std::printf("hmp-%s: %s; %s\n", app.c_str(), what.c_str(), layout.c_str());
  std::printf("  %-22s %7s %13s %13s %9s  %s\n", "method", "threads", "median s", "min s", "speed-up", "check");
  for (const auto& r : rows) {
    char speedup[32] = "-";
    if (sequential > 0 && r.median > 0) std::snprintf(speedup, sizeof speedup, "%.2fx", sequential / r.median);
    std::printf("  %-22s %7d %13.6g %13.6g %9s  %s\n", r.method.c_str(), r.threads, r.median, r.min, speedup,
                r.check.c_str());
  }
  std::printf("  timed: %s\n", timed_region.c_str());
  std::fflush(stdout);
}

}  // namespace hmp::apps
