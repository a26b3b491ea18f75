// hmp::Codec<T>: how values of T cross ranks, without cereal. Trivially
// copyable types travel as their raw bytes (defined here); every other type
// is sent through cereal by <hmp/serialize.hpp>, which a program includes
// when it sends such values (std::string, std::vector, its own structs with
// a `serialize` function); <hmp/serialize_eigen.hpp> adds Eigen matrices.
#pragma once

#include <hmp/errors.hpp>

#include <cstddef>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace hmp {

/// Specialized for each kind of sendable type; left undefined otherwise.
template <class T, class Enable = void>
struct Codec;

/// Raw bytes: one copy, no encoding.
template <class T>
struct Codec<T, std::enable_if_t<std::is_trivially_copyable_v<T>>> {
  static void pack(std::vector<std::byte>& out, std::span<const T> values) {
    const auto* b = reinterpret_cast<const std::byte*>(values.data());
    out.insert(out.end(), b, b + values.size_bytes());  // one pass: no zero-fill first
  }
  template <class Sink>
  static std::size_t unpack(std::span<const std::byte> in, std::size_t count, Sink&& sink) {
    if (in.size() < count * sizeof(T)) throw Error("hmp: a message from another rank is truncated");
    for (std::size_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(static_cast<void*>(&v), in.data() + i * sizeof(T), sizeof(T));
      sink(i, std::move(v));
    }
    return count * sizeof(T);
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

/// Reads `count` values written by pack() from `in`, calling sink(i, value).
/// Returns the number of bytes consumed.
template <class T, class Sink>
std::size_t unpack(std::span<const std::byte> in, std::size_t count, Sink&& sink) {
  require_sendable<T>();
  if constexpr (Sendable<T>)
    return Codec<T>::unpack(in, count, std::forward<Sink>(sink));
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
  unpack<T>(in, 1, [&](std::size_t, T&& v) { out = std::move(v); });
  return out;
}

}  // namespace detail
}  // namespace hmp
