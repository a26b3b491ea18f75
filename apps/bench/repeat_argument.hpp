// The one argument of the limit benchmarks (hmp-bench-fma, hmp-bench-fftw):
// how many timed runs, checked as every CLI value is.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

/// argv[1] as a whole number from 1 to 1000 (`fallback` when absent), or
/// nullopt after printing "program: repeat from 1 to 1000" (exit 2 then).
inline std::optional<int> repeat_argument(int argc, char** argv, int fallback, const char* program) {
  int repeat = fallback;
  try {
    std::size_t used = 0;
    if (argc > 1) repeat = std::stoi(argv[1], &used);
    if (argc > 1 && argv[1][used] != '\0') repeat = 0;
  } catch (const std::exception&) {
    repeat = 0;
  }
  if (repeat < 1 || repeat > 1000 || argc > 2) {
    std::fprintf(stderr, "%s: repeat from 1 to 1000 (one argument)\n", program);
    return std::nullopt;
  }
  return repeat;
}
