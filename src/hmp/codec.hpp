// hmp::Codec<T>: how values of T cross ranks, without cereal or Eigen.
// Trivially copyable types travel as their raw bytes (defined here, a range
// of them as one block); every other type is sent through cereal by
// <hmp/serialize.hpp>, which a program includes when it sends such values
// (std::string, std::vector, its own structs with a `serialize` function);
// <hmp/serialize_eigen.hpp> adds Eigen matrices.
#pragma once

#include <hmp/errors.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace hmp {

/// Specialized for each kind of sendable type; left undefined otherwise.
/// pack(out, values) appends the bytes of `values`; unpack(in, out) reads
/// out.size() values written by pack straight into `out` and returns the
/// bytes it consumed.
template <class T, class Enable = void>
struct Codec;

namespace detail {

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

/// Values whose object is exactly their bytes (a range of them travels as
/// one block). Specialized true for fixed-size Eigen matrices by
/// <hmp/serialize_eigen.hpp>.
template <class T>
struct RawValue : std::is_trivially_copyable<T> {};

template <class T>
inline constexpr bool raw_value = RawValue<T>::value;

/// Types with a codec of their own besides raw and archived ones
/// (<hmp/serialize_eigen.hpp>: dynamic-size Eigen matrices of numbers).
template <class T>
struct HasOwnCodec : std::false_type {};

}  // namespace detail

/// Raw bytes: one copy, no encoding.
template <class T>
struct Codec<T, std::enable_if_t<detail::raw_value<T>>> {
  static void pack(std::vector<std::byte>& out, std::span<const T> values) {
    detail::append_bytes(out, values.data(), values.size_bytes());
  }
  static std::size_t unpack(std::span<const std::byte> in, std::span<T> out) {
    detail::check_available(in, 0, out.size_bytes());
    if (!out.empty()) std::memcpy(static_cast<void*>(out.data()), in.data(), out.size_bytes());
    return out.size_bytes();
  }
};

/// A type that can travel between ranks (its Codec is defined).
template <class T>
concept Sendable = requires(std::vector<std::byte>& out, std::span<const T> values) { Codec<T>::pack(out, values); };

namespace detail {

template <class T>
constexpr void require_sendable() {
  static_assert(Sendable<T>,
                "hmp: this type cannot be sent between ranks. Make it trivially copyable, or give it "
                "a cereal serialize function: template <class A> void serialize(A& ar) { ar(field1, "
                "field2); } and #include <hmp/serialize.hpp> (see docs/howto.md, 'Values that cross ranks')");
}

/// Appends the bytes of `values` to `out`.
template <class T>
void pack(std::vector<std::byte>& out, std::span<const T> values) {
  require_sendable<T>();
  if constexpr (Sendable<T>) Codec<T>::pack(out, values);  // else only the message above
}

/// Reads out.size() values written by pack() from `in` straight into `out`.
/// Returns the number of bytes consumed.
template <class T>
std::size_t unpack(std::span<const std::byte> in, std::span<T> out) {
  require_sendable<T>();
  if constexpr (Sendable<T>)
    return Codec<T>::unpack(in, out);
  else
    return 0;
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
