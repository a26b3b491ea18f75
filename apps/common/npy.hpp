// NumPy .npy files (format versions 1.0, 2.0, 3.0), the three dtypes the apps
// use, C order only. Nothing in a file is trusted: magic, header length,
// dict syntax, dtype, shape (overflow) and data length are all checked and a
// bad file is an NpyError whose message says what is wrong and what is allowed.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hmp::apps {

class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Dtype { float64, int64, complex128 };
/// numpy's name: "float64", "int64", "complex128".
std::string to_string(Dtype d);
/// The descr written in headers: "<f8", "<i8", "<c16".
std::string descr(Dtype d);
std::size_t item_bytes(Dtype d);

template <class T> constexpr Dtype dtype_of();
template <> constexpr Dtype dtype_of<double>() { return Dtype::float64; }
template <> constexpr Dtype dtype_of<std::int64_t>() { return Dtype::int64; }
template <> constexpr Dtype dtype_of<std::complex<double>>() { return Dtype::complex128; }

struct NpyHeader {
  Dtype dtype = Dtype::float64;
  std::vector<std::size_t> shape;  ///< empty for a 0-d array
  std::size_t elements() const;
};

/// Parses the header's dict text, e.g. "{'descr': '<f8', 'fortran_order':
/// False, 'shape': (3, 4), }". Rejects fortran_order True, other dtypes,
/// unknown or missing keys, and shapes whose byte size overflows.
NpyHeader parse_npy_header(std::string_view dict);

struct NpyArray {
  NpyHeader header;
  std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<std::complex<double>>> data;
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
