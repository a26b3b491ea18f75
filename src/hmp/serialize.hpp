// Values that are not trivially copyable cross ranks through cereal: include
// this header to send them. std::vector, std::string, std::array, std::pair,
// std::tuple, std::optional, std::map and std::complex work out of the box;
// any other type becomes sendable by giving it a cereal
// `serialize(Archive&)` member or free function. Eigen matrices: see
// <hmp/serialize_eigen.hpp>.
#pragma once

#include <hmp/codec.hpp>
#include <hmp/detail/byte_stream.hpp>

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
#include <span>
#include <type_traits>
#include <vector>

namespace hmp {

namespace detail {
/// Sent with a cereal archive: not raw, no codec of its own, cereal knows it.
template <class T>
inline constexpr bool archived = !raw_value<T> && !HasOwnCodec<T>::value &&
                                 cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value &&
                                 cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value;
}  // namespace detail

/// A cereal binary archive per range.
template <class T>
struct Codec<T, std::enable_if_t<detail::archived<T>>> {
  static void pack(std::vector<std::byte>& out, std::span<const T> values) {
    detail::ByteSink sink(out);
    detail::SinkStream stream(sink);
    cereal::BinaryOutputArchive ar(stream.get());
    for (const auto& v : values) ar(v);
  }
  static std::size_t unpack(std::span<const std::byte> in, std::span<T> out) {
    // Read in place: a copy of `in` per call made unpacking many ranges of
    // one message quadratic.
    detail::ByteSource source(in);
    detail::SourceStream stream(source);
    cereal::BinaryInputArchive ar(stream.get());
    for (auto& slot : out) {
      T v{};
      ar(v);
      slot = std::move(v);
    }
    return static_cast<std::size_t>(stream.get().tellg());
  }
};

}  // namespace hmp
