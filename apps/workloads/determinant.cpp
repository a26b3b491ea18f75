#include <workloads/determinant.hpp>
#include <workloads/inputs.hpp>

#include <limits>
#include <stdexcept>

namespace hmp::workloads {

std::size_t tensor_elements(std::size_t size, std::size_t items) {
  constexpr auto max = std::numeric_limits<std::size_t>::max() / sizeof(double);
  if (size != 0 && (size > max / size || (items != 0 && size * size > max / items)))
    throw std::length_error("tensor of " + std::to_string(size) + "x" + std::to_string(size) + "x" +
                            std::to_string(items) + " elements does not fit in memory addresses");
  return size * size * items;
}

std::vector<double> random_tensor(std::size_t size, std::size_t items, std::uint64_t seed) {
  const auto n = tensor_elements(size, items);
  std::vector<double> t(n);
#pragma omp parallel for schedule(static)
  for (std::size_t k = 0; k < n; ++k) t[k] = static_cast<double>(static_cast<int>(mix(seed, k) % 10) - 5);
  return t;
}

SliceMap slice_view(const double* tensor, std::size_t size, std::size_t items, std::size_t s) {
  const auto n = static_cast<Eigen::Index>(size);
  return SliceMap(tensor + s, n, n,
                  Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(static_cast<Eigen::Index>(size * items),
                                                                static_cast<Eigen::Index>(items)));
}

void gather_slice(const double* tensor, std::size_t size, std::size_t items, std::size_t s, RowMatrix& out) {
  out.resize(static_cast<Eigen::Index>(size), static_cast<Eigen::Index>(size));
  double* dst = out.data();
  const double* src = tensor + s;
  for (std::size_t k = 0; k < size * size; ++k) dst[k] = src[k * items];
}

double determinant(const RowMatrix& m) {
  if (m.rows() == 0) return 1.0;  // numpy: det of a 0x0 matrix is 1
  return Eigen::PartialPivLU<RowMatrix>(m).determinant();
}

double DeterminantWorkspace::operator()(const double* tensor, std::size_t size, std::size_t items,
                                        std::size_t s) {
  if (size == 0) return 1.0;
  gather_slice(tensor, size, items, s, slice_);
  lu_.compute(slice_);
  return lu_.determinant();
}

void determinants(const double* tensor, std::size_t size, std::size_t items, std::size_t first,
                  std::size_t last, double* dets) {
  DeterminantWorkspace ws;
  for (std::size_t s = first; s < last; ++s) dets[s - first] = ws(tensor, size, items, s);
}

}  // namespace hmp::workloads
