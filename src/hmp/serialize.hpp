// How values cross ranks. Trivially copyable types and fixed-size Eigen
// matrices (and contiguous ranges of them) travel as raw bytes, dynamic-size
// Eigen matrices of numbers as their shape and coefficients (no archive);
// std::vector, std::string, std::array, std::pair, std::tuple, std::optional,
// std::map, std::complex and other Eigen dense matrices go through cereal; any other type becomes sendable by giving it a cereal
// `serialize(Archive&)` member or free function.
#pragma once

#include <hmp/detail/byte_stream.hpp>
#include <hmp/errors.hpp>

#include <sys/mman.h>

#include <Eigen/Core>
#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/complex.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace cereal {

// Eigen dense matrices: rows, cols, then the coefficients as one binary block.
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

namespace hmp {

/// A type that can travel between ranks.
template <class T>
concept Sendable =
    std::is_trivially_copyable_v<T> ||
    (cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value &&
     cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value);

namespace detail {

template <class T>
constexpr void require_sendable() {
  static_assert(Sendable<T>,
                "hmp: this type cannot be sent between ranks. Make it trivially copyable, or give it "
                "a cereal serialize function: template <class A> void serialize(A& ar) { ar(field1, "
                "field2); } (see docs/howto.md, 'Values that cross ranks')");
}

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

/// Values whose object is exactly their bytes: trivially copyable types, and
/// fixed-size Eigen matrices (Eigen gives them copy constructors, but the
/// object is its coefficient array and nothing else). A range of them
/// travels as one block.
template <class T>
inline constexpr bool raw_value = std::is_trivially_copyable_v<T> || eigen_fixed_size<T>();

/// Dynamic-size Eigen matrices of plain coefficients: rows, cols (8 bytes
/// each) and the coefficients, copied without an archive (the bytes cereal
/// writes for them, too).
template <class T>
inline constexpr bool raw_matrix = EigenPlain<T>::value && !raw_value<T>;

/// Makes room for `count` elements in `v` before they are written. A large
/// buffer asks Linux for transparent huge pages before its first touch: the
/// 4 KB page faults of a fresh 40 MB buffer cost three times the copy into it.
template <class T>
void reserve_fresh(std::vector<T>& v, std::size_t count) {
  if (count <= v.capacity()) return;
  v.reserve(std::max(count, 2 * v.capacity()));  // geometric: many small appends stay linear
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto first = reinterpret_cast<std::uintptr_t>(v.data() + v.size());
  const auto begin = (first + huge - 1) & ~(huge - 1);
  const auto end = (first + (v.capacity() - v.size()) * sizeof(T)) & ~(huge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint: may be refused
#endif
}

inline void append_bytes(std::vector<std::byte>& out, const void* data, std::size_t bytes) {
  reserve_fresh(out, out.size() + bytes);
  const auto* b = static_cast<const std::byte*>(data);
  out.insert(out.end(), b, b + bytes);  // one pass: no zero-fill first
}

inline void check_available(std::span<const std::byte> in, std::size_t at, std::size_t bytes) {
  if (at > in.size() || in.size() - at < bytes) throw Error("hmp: a message from another rank is truncated");
}

template <class M>
void pack_matrices(std::vector<std::byte>& out, std::span<const M> values) {
  using S = typename M::Scalar;
  std::size_t total = 0;
  for (const auto& m : values) total += 2 * sizeof(std::int64_t) + static_cast<std::size_t>(m.size()) * sizeof(S);
  std::size_t at = out.size();
  reserve_fresh(out, at + total);
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

/// Reads into `m` (resized only when its shape differs: no allocation when
/// the destination already has the sender's shape); returns the bytes read.
template <class M>
std::size_t unpack_matrix(std::span<const std::byte> in, M& m) {
  std::int64_t shape[2];
  check_available(in, 0, sizeof shape);
  std::memcpy(shape, in.data(), sizeof shape);
  const auto fits = [](std::int64_t n, int fixed, int max) {
    return n >= 0 && (fixed == Eigen::Dynamic || n == fixed) && (max == Eigen::Dynamic || n <= max);
  };
  if (!fits(shape[0], M::RowsAtCompileTime, M::MaxRowsAtCompileTime) ||
      !fits(shape[1], M::ColsAtCompileTime, M::MaxColsAtCompileTime))
    throw Error("hmp: a message from another rank holds a matrix of a shape this type cannot take");
  const auto coefficients = in.size() / sizeof(typename M::Scalar);  // bounds rows x cols before multiplying
  if (shape[1] != 0 && static_cast<std::uint64_t>(shape[0]) > coefficients / static_cast<std::uint64_t>(shape[1]))
    throw Error("hmp: a message from another rank is truncated");
  const auto bytes = static_cast<std::size_t>(shape[0] * shape[1]) * sizeof(typename M::Scalar);
  check_available(in, sizeof shape, bytes);
  if (m.rows() != shape[0] || m.cols() != shape[1]) m.resize(shape[0], shape[1]);
  if (bytes) std::memcpy(m.data(), in.data() + sizeof shape, bytes);
  return sizeof shape + bytes;
}

/// Appends the bytes of `values` to `out`: raw for the types above, a cereal
/// binary archive otherwise.
template <class T>
void pack(std::vector<std::byte>& out, std::span<const T> values) {
  require_sendable<T>();
  if constexpr (raw_value<T>) {
    append_bytes(out, values.data(), values.size_bytes());
  } else if constexpr (raw_matrix<T>) {
    pack_matrices(out, values);
  } else {
    ByteSink sink(out);
    SinkStream stream(sink);
    cereal::BinaryOutputArchive ar(stream.get());
    for (const auto& v : values) ar(v);
  }
}

/// Reads out.size() values written by pack() from `in` straight into `out`
/// (raw values: one copy of the block). Returns the number of bytes consumed.
template <class T>
std::size_t unpack(std::span<const std::byte> in, std::span<T> out) {
  require_sendable<T>();
  if constexpr (raw_value<T>) {
    check_available(in, 0, out.size_bytes());
    if (!out.empty()) std::memcpy(static_cast<void*>(out.data()), in.data(), out.size_bytes());
    return out.size_bytes();
  } else if constexpr (raw_matrix<T>) {
    std::size_t off = 0;
    for (auto& m : out) off += unpack_matrix(in.subspan(off), m);
    return off;
  } else {
    // Read in place: a copy of `in` per call made unpacking many ranges of
    // one message quadratic.
    ByteSource source(in);
    SourceStream stream(source);
    cereal::BinaryInputArchive ar(stream.get());
    for (auto& slot : out) {
      T v{};
      ar(v);
      slot = std::move(v);
    }
    return static_cast<std::size_t>(stream.get().tellg());
  }
}

/// One value to bytes and back.
template <class T>
std::vector<std::byte> to_bytes(const T& value) {
  std::vector<std::byte> out;
  pack(out, std::span<const T>(&value, 1));
  return out;
}

template <class T>
T from_bytes(std::span<const std::byte> in) {
  T out{};
  unpack(in, std::span<T>(&out, 1));
  return out;
}

}  // namespace detail
}  // namespace hmp
