// Determinants of the slices of the tutorial's tensor. numpy writes the
// tensor of shape (size, size, items) in C order: element [i][j][s] is at
// (i*size + j)*items + s, so a slice tensor[:, :, s] is strided (neighbours in
// a row are `items` apart). A slice is gathered into a contiguous matrix once,
// then factored with Eigen's LU with partial pivoting (as numpy.linalg.det).
#pragma once

#include <Eigen/Core>
#include <Eigen/LU>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hmp::workloads {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A view of slice s in place: no copy, strides (size*items, items).
using SliceMap = Eigen::Map<const RowMatrix, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

/// The tensor's element count, size*size*items; throws std::length_error on overflow.
std::size_t tensor_elements(std::size_t size, std::size_t items);

/// The tutorial's tensor: (size, size, items), integer entries in [-5, 5), seeded.
std::vector<double> random_tensor(std::size_t size, std::size_t items, std::uint64_t seed);

/// Slice s of a (size, size, items) C-order tensor as a strided view.
SliceMap slice_view(const double* tensor, std::size_t size, std::size_t items, std::size_t s);

/// Copies slice s into `out` (resized to size x size).
void gather_slice(const double* tensor, std::size_t size, std::size_t items, std::size_t s, RowMatrix& out);

/// det of one contiguous square matrix (Eigen PartialPivLU).
double determinant(const RowMatrix& m);

/// Reusable per-thread storage: the gathered slice and the LU, so a loop over
/// many small slices allocates nothing. Not shared between threads.
class DeterminantWorkspace {
 public:
  /// det(tensor[:, :, s]).
  double operator()(const double* tensor, std::size_t size, std::size_t items, std::size_t s);

 private:
  RowMatrix slice_;
  Eigen::PartialPivLU<RowMatrix> lu_;
};

/// dets[s - first] = det(tensor[:, :, s]) for s in [first, last).
void determinants(const double* tensor, std::size_t size, std::size_t items, std::size_t first,
                  std::size_t last, double* dets);

}  // namespace hmp::workloads
