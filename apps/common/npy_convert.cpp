#include <common/npy_convert.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace hmp::apps {

namespace {

// A float16's bits, kept apart from uint16 so the dispatch can tell them apart.
struct Half {
  std::uint16_t bits;
};

template <class T>
T load(const unsigned char* p, bool swap) {
  std::array<unsigned char, sizeof(T)> b;
  std::memcpy(b.data(), p, sizeof(T));
  if (swap) std::reverse(b.begin(), b.end());
  T v;
  std::memcpy(&v, b.data(), sizeof(T));
  return v;
}

// Calls f(value) for every element, value of the element's own C++ type
// (bool, std::int8_t.., float, long double, std::complex<float>..., Half).
template <class T, class F>
void each(const NpyArray& a, F& f) {
  const bool swap = a.header.dtype.big_endian;
  const std::size_t step = a.header.dtype.bytes, n = a.bytes.size() / step;
  const unsigned char* p = a.bytes.data();
  for (std::size_t i = 0; i < n; ++i, p += step) {
    if constexpr (std::is_same_v<T, bool>) {
      f(p[0] != 0);
    } else if constexpr (std::is_same_v<T, Half>) {
      f(Half{load<std::uint16_t>(p, swap)});
    } else if constexpr (requires { typename T::value_type; }) {  // complex: two reals, each in its byte order
      using R = typename T::value_type;
      f(T(load<R>(p, swap), load<R>(p + sizeof(R), swap)));
    } else {
      f(load<T>(p, swap));
    }
  }
}

template <class F>
void for_each_value(const NpyArray& a, F&& f) {
  const Dtype d = a.header.dtype;
  switch (d.kind * 100 + static_cast<int>(d.bytes)) {
    case 'b' * 100 + 1: return each<bool>(a, f);
    case 'i' * 100 + 1: return each<std::int8_t>(a, f);
    case 'i' * 100 + 2: return each<std::int16_t>(a, f);
    case 'i' * 100 + 4: return each<std::int32_t>(a, f);
    case 'i' * 100 + 8: return each<std::int64_t>(a, f);
    case 'u' * 100 + 1: return each<std::uint8_t>(a, f);
    case 'u' * 100 + 2: return each<std::uint16_t>(a, f);
    case 'u' * 100 + 4: return each<std::uint32_t>(a, f);
    case 'u' * 100 + 8: return each<std::uint64_t>(a, f);
    case 'f' * 100 + 2: return each<Half>(a, f);
    case 'f' * 100 + 4: return each<float>(a, f);
    case 'f' * 100 + 8: return each<double>(a, f);
    case 'f' * 100 + 16: return each<long double>(a, f);
    case 'c' * 100 + 8: return each<std::complex<float>>(a, f);
    case 'c' * 100 + 16: return each<std::complex<double>>(a, f);
    case 'c' * 100 + 32: return each<std::complex<long double>>(a, f);
  }
  throw NpyError("dtype " + to_string(d) + " cannot be converted");
}

template <class T>
constexpr bool is_complex = requires { typename T::value_type; };

template <class Out, class V>
Out real_value(V v) {
  if constexpr (std::is_same_v<V, Half>)
    return static_cast<Out>(half_to_float(v.bits));
  else
    return static_cast<Out>(v);
}

NpyError cannot(const NpyArray& a, const char* to, const char* allowed) {
  return NpyError("dtype " + to_string(a.header.dtype) + " cannot be read as " + to + ": allowed " + allowed);
}

}  // namespace

float half_to_float(std::uint16_t h) noexcept {
  const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  const float sign = (h & 0x8000) ? -1.0f : 1.0f;
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -24);  // zero, subnormal
  if (exponent == 31) return mantissa ? std::nanf("") : sign * INFINITY;
  return sign * std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
}

std::vector<double> to_float64(const NpyArray& a) {
  if (a.header.dtype.kind == 'c') throw cannot(a, "float64 (its imaginary part would be lost)", "bool, integer, float");
  std::vector<double> out;
  out.reserve(a.bytes.size() / a.header.dtype.bytes);
  for_each_value(a, [&](auto v) {
    if constexpr (!is_complex<decltype(v)>) out.push_back(real_value<double>(v));
  });
  return out;
}

std::vector<std::int64_t> to_int64(const NpyArray& a) {
  const char k = a.header.dtype.kind;
  if (k != 'b' && k != 'i' && k != 'u') throw cannot(a, "int64", "bool, integer");
  std::vector<std::int64_t> out;
  out.reserve(a.bytes.size() / a.header.dtype.bytes);
  for_each_value(a, [&](auto v) {
    if constexpr (std::is_integral_v<decltype(v)>) out.push_back(static_cast<std::int64_t>(v));
  });
  return out;
}

std::vector<std::complex<double>> to_complex128(const NpyArray& a) {
  std::vector<std::complex<double>> out;
  out.reserve(a.bytes.size() / a.header.dtype.bytes);
  for_each_value(a, [&](auto v) {
    using V = decltype(v);
    if constexpr (is_complex<V>)
      out.emplace_back(static_cast<double>(v.real()), static_cast<double>(v.imag()));
    else
      out.emplace_back(real_value<double>(v), 0.0);
  });
  return out;
}

}  // namespace hmp::apps
