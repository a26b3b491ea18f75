// hmp::Codec<T>: how values of T cross ranks, without cereal or Eigen.
// Trivially copyable types travel as their raw bytes (defined here, a range
// of them as one block), tuples and pairs of them member by member; every other type is sent through cereal by
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
#include <tuple>
#include <type_traits>
#include <utility>
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
/// Asks Linux for transparent huge pages for the whole 2 MB pages inside
/// [data, data + bytes), before their first touch (a hint: may be refused).
inline void advise_huge_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  const auto begin = (first + huge - 1) & ~(huge - 1);
  const auto end = (first + bytes) & ~(huge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data, (void)bytes;
#endif
}

template <class T>
void reserve_fresh(std::vector<T>& v, std::size_t count) {
  if (count <= v.capacity()) return;
  v.reserve(std::max(count, 2 * v.capacity()));  // geometric: many small appends stay linear
  advise_huge_pages(v.data() + v.size(), (v.capacity() - v.size()) * sizeof(T));
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

/// std::tuple and std::pair of raw values (starmap's items): not trivially
/// copyable themselves, but each member is.
template <class T>
struct RawTuple : std::false_type {};
template <class... Ts>
struct RawTuple<std::tuple<Ts...>> : std::bool_constant<(raw_value<Ts> && ...)> {};
template <class A, class B>
struct RawTuple<std::pair<A, B>> : std::bool_constant<raw_value<A> && raw_value<B>> {};

template <class T>
inline constexpr bool raw_tuple = RawTuple<T>::value && !raw_value<T>;

/// Types with a codec of their own besides raw and archived ones: tuples of
/// raw values (below), dynamic-size Eigen matrices of numbers
/// (<hmp/serialize_eigen.hpp>).
template <class T>
struct HasOwnCodec : std::bool_constant<raw_tuple<T>> {};

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

namespace detail {
template <class T>
struct MemberBytes;
template <class... Ts>
struct MemberBytes<std::tuple<Ts...>> : std::integral_constant<std::size_t, (sizeof(Ts) + ... + 0)> {};
template <class A, class B>
struct MemberBytes<std::pair<A, B>> : std::integral_constant<std::size_t, sizeof(A) + sizeof(B)> {};
}  // namespace detail

/// Tuples of raw values: each member's bytes in turn, no archive.
template <class T>
struct Codec<T, std::enable_if_t<detail::raw_tuple<T>>> {
  static constexpr std::size_t kBytes = detail::MemberBytes<T>::value;

  static void pack(std::vector<std::byte>& out, std::span<const T> values) {
    std::size_t at = out.size();
    detail::reserve_fresh(out, at + values.size() * kBytes);
    out.resize(at + values.size() * kBytes);
    for (const auto& v : values)
      std::apply([&](const auto&... m) { ((std::memcpy(out.data() + at, &m, sizeof m), at += sizeof m), ...); }, v);
  }
  static std::size_t unpack(std::span<const std::byte> in, std::span<T> out) {
    detail::check_available(in, 0, out.size() * kBytes);
    const std::byte* p = in.data();
    for (auto& v : out)
      std::apply([&](auto&... m) { ((std::memcpy(static_cast<void*>(&m), p, sizeof m), p += sizeof m), ...); }, v);
    return out.size() * kBytes;
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
