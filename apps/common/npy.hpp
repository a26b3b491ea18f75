// NumPy .npy files (format versions 1.0, 2.0, 3.0), every bool, integer,
// float and complex dtype numpy writes (either byte order), C order only.
// Nothing in a file is trusted: magic, header length,
// dict syntax, dtype, shape (overflow) and data length are all checked and a
// bad file is an NpyError whose message says what is wrong and what is allowed.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hmp::apps {

class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An element type as numpy describes it: kind ('b' bool, 'i' signed, 'u'
/// unsigned, 'f' float, 'c' complex), bytes per element, byte order.
struct Dtype {
  char kind = 'f';
  unsigned bytes = 8;
  bool big_endian = false;

  static const Dtype boolean, int64, uint64, float64, complex128;
  friend bool operator==(const Dtype&, const Dtype&) = default;
};
inline constexpr Dtype Dtype::boolean{'b', 1, false};
inline constexpr Dtype Dtype::int64{'i', 8, false};
inline constexpr Dtype Dtype::uint64{'u', 8, false};
inline constexpr Dtype Dtype::float64{'f', 8, false};
inline constexpr Dtype Dtype::complex128{'c', 16, false};

/// numpy's name: "bool", "int32", "float64", "complex128"; big-endian ones
/// say so (">int16").
std::string to_string(Dtype d);
/// The descr written in headers: "<f8", "<i8", "|b1", ">c16".
std::string descr(Dtype d);
std::size_t item_bytes(Dtype d);

template <class T> constexpr Dtype dtype_of();
template <> constexpr Dtype dtype_of<double>() { return Dtype::float64; }
template <> constexpr Dtype dtype_of<std::int64_t>() { return Dtype::int64; }
template <> constexpr Dtype dtype_of<std::uint64_t>() { return Dtype::uint64; }
template <> constexpr Dtype dtype_of<std::complex<double>>() { return Dtype::complex128; }

struct NpyHeader {
  Dtype dtype = Dtype::float64;
  std::vector<std::size_t> shape;  ///< empty for a 0-d array
  std::size_t elements() const;
};

/// Parses the header's dict text, e.g. "{'descr': '<f8', 'fortran_order':
/// False, 'shape': (3, 4), }". Rejects fortran_order True, dtypes that are
/// not bool, integer, float or complex (strings, objects, records, dates),
/// unknown or missing keys, and shapes whose byte size overflows.
NpyHeader parse_npy_header(std::string_view dict);

/// An array as the file holds it: the header and the elements' bytes
/// (npy_convert.hpp turns them into the type an app computes in).
struct NpyArray {
  NpyHeader header;
  std::vector<unsigned char> bytes;
};

/// Reads a whole .npy file; NpyError names the file and the problem.
NpyArray read_npy(const std::string& path);

/// Writes `elements(shape)` items of `dtype` from `data` as .npy 1.0 (2.0 if
/// the header needs it), through a temporary file renamed into place.
void write_npy(const std::string& path, Dtype dtype, const std::vector<std::size_t>& shape, const void* data);

template <class T>
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<T>& data) {
  NpyHeader h{dtype_of<T>(), shape};
  if (h.elements() != data.size())
    throw NpyError(path + ": shape holds " + std::to_string(h.elements()) + " elements, data has " +
                   std::to_string(data.size()));
  write_npy(path, dtype_of<T>(), shape, data.data());
}

/// "(3, 4)" as numpy prints shapes.
std::string shape_string(const std::vector<std::size_t>& shape);

}  // namespace hmp::apps
