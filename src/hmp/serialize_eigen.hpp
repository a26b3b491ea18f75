// Eigen dense matrices cross ranks (include this header to send them):
// fixed-size ones of plain numbers (Eigen::Matrix4d) as their raw bytes, a
// range of them as one block; dynamic-size ones of plain numbers as rows,
// cols (8 bytes each) and the coefficients, without an archive (the bytes
// cereal would write for them, too); inside other values through cereal.
#pragma once

#include <hmp/serialize.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace hmp::detail {

/// Eigen's plain dense objects (Matrix, Array) whose coefficients are plain bytes.
template <class T>
struct EigenPlain : std::false_type {};
template <class S, int R, int C, int O, int MR, int MC>
struct EigenPlain<Eigen::Matrix<S, R, C, O, MR, MC>> : std::bool_constant<std::is_trivially_copyable_v<S>> {};
template <class S, int R, int C, int O, int MR, int MC>
struct EigenPlain<Eigen::Array<S, R, C, O, MR, MC>> : std::bool_constant<std::is_trivially_copyable_v<S>> {};

template <class T>
constexpr bool eigen_fixed_size() {
  if constexpr (EigenPlain<T>::value)
    return T::SizeAtCompileTime != Eigen::Dynamic &&
           sizeof(T) == static_cast<std::size_t>(T::SizeAtCompileTime) * sizeof(typename T::Scalar);
  else
    return false;
}

/// Fixed-size matrices are their coefficient array and nothing else (Eigen
/// gives them copy constructors, so they are not trivially copyable).
template <class S, int R, int C, int O, int MR, int MC>
struct RawValue<Eigen::Matrix<S, R, C, O, MR, MC>>
    : std::bool_constant<eigen_fixed_size<Eigen::Matrix<S, R, C, O, MR, MC>>()> {};
template <class S, int R, int C, int O, int MR, int MC>
struct RawValue<Eigen::Array<S, R, C, O, MR, MC>>
    : std::bool_constant<eigen_fixed_size<Eigen::Array<S, R, C, O, MR, MC>>()> {};

/// Dynamic-size Eigen matrices of plain coefficients.
template <class T>
inline constexpr bool raw_matrix = EigenPlain<T>::value && !raw_value<T>;

template <class S, int R, int C, int O, int MR, int MC>
struct HasOwnCodec<Eigen::Matrix<S, R, C, O, MR, MC>>
    : std::bool_constant<raw_matrix<Eigen::Matrix<S, R, C, O, MR, MC>>> {};
template <class S, int R, int C, int O, int MR, int MC>
struct HasOwnCodec<Eigen::Array<S, R, C, O, MR, MC>>
    : std::bool_constant<raw_matrix<Eigen::Array<S, R, C, O, MR, MC>>> {};

}  // namespace hmp::detail

namespace hmp {

/// Shape and coefficients of each matrix, without an archive.
template <class M>
struct Codec<M, std::enable_if_t<detail::raw_matrix<M>>> {
  using S = typename M::Scalar;

  static void pack(std::vector<std::byte>& out, std::span<const M> values) {
    std::size_t total = 0;
    for (const auto& m : values) total += 2 * sizeof(std::int64_t) + static_cast<std::size_t>(m.size()) * sizeof(S);
    std::size_t at = out.size();
    detail::reserve_fresh(out, at + total);
    out.resize(at + total);  // one allocation for the whole range, then plain copies
    for (const auto& m : values) {
      const std::int64_t shape[2] = {static_cast<std::int64_t>(m.rows()), static_cast<std::int64_t>(m.cols())};
      std::memcpy(out.data() + at, shape, sizeof shape);
      at += sizeof shape;
      const auto bytes = static_cast<std::size_t>(m.size()) * sizeof(S);
      if (bytes) std::memcpy(out.data() + at, m.data(), bytes);
      at += bytes;
    }
  }

  static std::size_t unpack(std::span<const std::byte> in, std::span<M> out) {
    std::size_t off = 0;
    for (auto& m : out) off += unpack_one(in.subspan(off), m);
    return off;
  }

 private:
  // Reads into `m` (resized only when its shape differs: no allocation when
  // the destination already has the sender's shape); returns the bytes read.
  static std::size_t unpack_one(std::span<const std::byte> in, M& m) {
    std::int64_t shape[2];
    detail::check_available(in, 0, sizeof shape);
    std::memcpy(shape, in.data(), sizeof shape);
    const auto fits = [](std::int64_t n, int fixed, int max) {
      return n >= 0 && (fixed == Eigen::Dynamic || n == fixed) && (max == Eigen::Dynamic || n <= max);
    };
    if (!fits(shape[0], M::RowsAtCompileTime, M::MaxRowsAtCompileTime) ||
        !fits(shape[1], M::ColsAtCompileTime, M::MaxColsAtCompileTime))
      throw Error("hmp: a message from another rank holds a matrix of a shape this type cannot take");
    const auto coefficients = in.size() / sizeof(S);  // bounds rows x cols before multiplying
    if (shape[1] != 0 && static_cast<std::uint64_t>(shape[0]) > coefficients / static_cast<std::uint64_t>(shape[1]))
      throw Error("hmp: a message from another rank is truncated");
    const auto bytes = static_cast<std::size_t>(shape[0] * shape[1]) * sizeof(S);
    detail::check_available(in, sizeof shape, bytes);
    if (m.rows() != shape[0] || m.cols() != shape[1]) m.resize(shape[0], shape[1]);
    if (bytes) std::memcpy(m.data(), in.data() + sizeof shape, bytes);
    return sizeof shape + bytes;
  }
};

}  // namespace hmp

namespace cereal {

// Eigen matrices inside other values (a std::vector of them, a struct):
// rows, cols, then the coefficients as one binary block.
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
