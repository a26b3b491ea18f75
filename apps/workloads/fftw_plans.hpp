// One process-wide cache of FFTW plans. FFTW's planner is not thread-safe but
// fftw_execute_* on a finished plan is: plans are made once per shape under a
// mutex, and every thread then runs them on its own arrays with the new-array
// execute functions. A plan only fits arrays of the alignment it was made
// for, so the alignment of the arrays is part of the key.
#pragma once

#include <fftw3.h>

#include <compare>
#include <cstddef>

namespace hmp::workloads::fftw {

enum class Kind {
  r2c_2d,     ///< real n0 x n1 -> complex n0 x (n1/2+1), out of place, `howmany` contiguous matrices
  c2r_2d,     ///< complex n0 x (n1/2+1) -> real n0 x n1, out of place (destroys its input), `howmany` too
  dft_2d,     ///< complex n0 x n1, forward, out of place, `howmany` contiguous matrices
};

struct PlanKey {
  Kind kind;
  int n0 = 0, n1 = 0;
  int howmany = 1;
  int align_in = 0, align_out = 0;  ///< fftw_alignment_of the arrays it runs on
  auto operator<=>(const PlanKey&) const = default;
};

/// The plan for `key`, made on first use (under the planner lock, with disk
/// wisdom loaded before the first plan and saved after each new one) and kept
/// until the process ends. Thread-safe.
fftw_plan plan(const PlanKey& key);

/// Planner rigour from HMP_FFTW_PLANNER: estimate, measure (the default,
/// also when unset or empty) or patient; any other value is a
/// hmp::UsageError naming it and these three.
unsigned planner_flags();

/// fftw_alignment_of for any pointer.
int alignment_of(const void* p);

/// The FFTW alignment classes of arrays whose start is a multiple of
/// `granule` bytes (16 for std::complex<double> from any allocator): plan each
/// before a timed region and no plan is made inside it.
int alignment_classes(std::size_t granule, int* classes, int max_classes);

}  // namespace hmp::workloads::fftw
