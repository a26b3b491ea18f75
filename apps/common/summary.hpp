// The human summary every run ends with (root): one line of layout, one row
// per method, speed-up over sequential when both ran.
#pragma once

#include <string>
#include <vector>

namespace hmp::apps {

struct SummaryRow {
  std::string method;
  int threads = 1;
  double median = 0, min = 0;
  std::string check;
};

/// Prints to stdout: "hmp-<app>: <what>, <layout>", the rows, the timed region.
void print_summary(const std::string& app, const std::string& what, const std::string& layout,
                   const std::vector<SummaryRow>& rows, const std::string& timed_region);

}  // namespace hmp::apps
