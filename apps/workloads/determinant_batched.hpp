// Determinants of many small matrices at once, in the tutorial's layout
// (size, size, items): element (i, j) of neighbouring slices is neighbouring
// doubles, so one SIMD lane holds one slice and a vector instruction works on
// several slices. LU with partial pivoting in every lane (each lane picks its
// own pivot row; the row exchange is a per-lane select), as batched LAPACK
// does in its "compact" layout. The same pivots as numpy.linalg.det / Eigen;
// results differ from theirs only by rounding.
#pragma once

#include <cstddef>

namespace hmp::workloads {

/// Slices factored together (one per SIMD lane, two AVX-512 vectors).
inline constexpr std::size_t batch_lanes = 16;

/// dets[s - first] = det(tensor[:, :, s]) for s in [first, last); `items` is
/// the tensor's last extent (the stride between an element's slices).
void determinants_batched(const double* tensor, std::size_t size, std::size_t items, std::size_t first,
                          std::size_t last, double* dets);

/// Floating-point operations of the elimination of one size x size matrix
/// (a multiplier and a multiply-add per updated element): 615 for 10 x 10.
double lu_flops(std::size_t size);

}  // namespace hmp::workloads
