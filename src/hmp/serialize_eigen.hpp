// Eigen dense matrices cross ranks: rows, cols, then the coefficients as one
// binary block (include this header to send them).
#pragma once

#include <hmp/serialize.hpp>

#include <Eigen/Core>

#include <cstddef>

namespace cereal {

template <class Archive, class S, int R, int C, int O, int MR, int MC>
void save(Archive& ar, const Eigen::Matrix<S, R, C, O, MR, MC>& m) {
  const Eigen::Index rows = m.rows(), cols = m.cols();
  ar(rows, cols);
  ar(binary_data(m.data(), static_cast<std::size_t>(rows * cols) * sizeof(S)));
}

template <class Archive, class S, int R, int C, int O, int MR, int MC>
void load(Archive& ar, Eigen::Matrix<S, R, C, O, MR, MC>& m) {
  Eigen::Index rows = 0, cols = 0;
  ar(rows, cols);
  m.resize(rows, cols);
  ar(binary_data(m.data(), static_cast<std::size_t>(rows * cols) * sizeof(S)));
}

}  // namespace cereal
