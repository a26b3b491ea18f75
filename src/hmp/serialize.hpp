// How values cross ranks. Trivially copyable types (and contiguous ranges of
// them) travel as raw bytes; std::vector, std::string, std::array, std::pair,
// std::tuple, std::optional, std::map, std::complex and Eigen dense matrices
// work out of the box; any other type becomes sendable by giving it a cereal
// `serialize(Archive&)` member or free function.
#pragma once

#include <hmp/detail/byte_stream.hpp>
#include <hmp/errors.hpp>

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

#include <cstddef>
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

/// Appends the bytes of `values` to `out`: raw for trivially copyable types,
/// a cereal binary archive otherwise.
template <class T>
void pack(std::vector<std::byte>& out, std::span<const T> values) {
  require_sendable<T>();
  if constexpr (std::is_trivially_copyable_v<T>) {
    const auto* b = reinterpret_cast<const std::byte*>(values.data());
    out.insert(out.end(), b, b + values.size_bytes());  // one pass: no zero-fill first
  } else {
    ByteSink sink(out);
    SinkStream stream(sink);
    cereal::BinaryOutputArchive ar(stream.get());
    for (const auto& v : values) ar(v);
  }
}

/// Reads `count` values written by pack() from `in`, calling sink(i, value).
/// Returns the number of bytes consumed.
template <class T, class Sink>
std::size_t unpack(std::span<const std::byte> in, std::size_t count, Sink&& sink) {
  require_sendable<T>();
  if constexpr (std::is_trivially_copyable_v<T>) {
    if (in.size() < count * sizeof(T)) throw Error("hmp: a message from another rank is truncated");
    for (std::size_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(static_cast<void*>(&v), in.data() + i * sizeof(T), sizeof(T));
      sink(i, std::move(v));
    }
    return count * sizeof(T);
  } else {
    // Read in place: a copy of `in` per call made unpacking many ranges of
    // one message quadratic.
    ByteSource source(in);
    SourceStream stream(source);
    cereal::BinaryInputArchive ar(stream.get());
    for (std::size_t i = 0; i < count; ++i) {
      T v{};
      ar(v);
      sink(i, std::move(v));
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
  unpack<T>(in, 1, [&](std::size_t, T&& v) { out = std::move(v); });
  return out;
}

}  // namespace detail
}  // namespace hmp
