#include <common/npy.hpp>

#include <hmp/detail/full_read_write.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>

namespace hmp::apps {

static_assert(std::endian::native == std::endian::little, ".npy data is read as little-endian");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kMaxHeader = 1 << 20;  // numpy writes < 100 bytes; more is not a real header

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// long double holds numpy's float128 only where both are the x87 80-bit
// format padded to 16 bytes (x86-64 Linux).
constexpr bool kLongDoubleIsNumpys = sizeof(long double) == 16 && std::numeric_limits<long double>::digits == 64;

bool supported(char kind, unsigned bytes) {
  switch (kind) {
    case 'b': return bytes == 1;
    case 'i':
    case 'u': return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
    case 'f': return bytes == 2 || bytes == 4 || bytes == 8 || (bytes == 16 && kLongDoubleIsNumpys);
    case 'c': return bytes == 8 || bytes == 16 || (bytes == 32 && kLongDoubleIsNumpys);
  }
  return false;
}

// "<f8", "|u1", ">i2", "=c16": byte order, kind, bytes per element.
Dtype parse_descr(const std::string& d) {
  const auto refuse = [&] {
    return NpyError("dtype '" + d +
                    "' is not supported: allowed bool, int8-int64, uint8-uint64, float16-float64, complex64, "
                    "complex128" +
                    std::string(kLongDoubleIsNumpys ? ", float128, complex256" : "") + " (either byte order)");
  };
  if (d.size() < 3 || d.size() > 4 || std::string_view("<>|=").find(d[0]) == std::string_view::npos) throw refuse();
  unsigned bytes = 0;
  for (std::size_t i = 2; i < d.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) throw refuse();
    bytes = bytes * 10 + static_cast<unsigned>(d[i] - '0');
  }
  const char kind = d[1];
  if (!supported(kind, bytes)) throw refuse();
  return Dtype{kind, bytes, d[0] == '>' && bytes > 1};
}

class DictParser {
 public:
  explicit DictParser(std::string_view s) : s_(s) {}

  NpyHeader parse() {
    bool have_descr = false, have_order = false, have_shape = false;
    NpyHeader h;
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      const std::string key = string();
      expect(':');
      if (key == "descr") {
        h.dtype = dtype(string());
        have_descr = true;
      } else if (key == "fortran_order") {
        if (word() != "False")
          throw NpyError("fortran_order is True: only C-order arrays are read (numpy.ascontiguousarray first)");
        have_order = true;
      } else if (key == "shape") {
        h.shape = shape();
        have_shape = true;
      } else {
        throw NpyError("unknown header key '" + key + "': allowed descr, fortran_order, shape");
      }
      skip();
      if (peek() == ',') ++pos_;
    }
    expect('}');
    skip();
    if (pos_ != s_.size()) throw NpyError("header: text after the closing '}'");
    if (!have_descr || !have_order || !have_shape)
      throw NpyError("header misses one of descr, fortran_order, shape");
    (void)h.elements();  // throws on overflow
    return h;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  char peek() {
    if (pos_ >= s_.size()) throw NpyError("header ends early");
    return s_[pos_];
  }
  void expect(char c) {
    skip();
    if (peek() != c) throw NpyError(std::string("header: expected '") + c + "' at column " + std::to_string(pos_));
    ++pos_;
  }
  std::string string() {
    skip();
    const char q = peek();
    if (q != '\'' && q != '"') throw NpyError("header: expected a quoted key or value at column " + std::to_string(pos_));
    const auto end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) throw NpyError("header: unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  std::string word() {
    skip();
    const auto start = pos_;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  static Dtype dtype(const std::string& d) { return parse_descr(d); }
  std::vector<std::size_t> shape() {
    expect('(');
    std::vector<std::size_t> dims;
    while (true) {
      skip();
      if (peek() == ')') break;
      const auto start = pos_;
      std::size_t v = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        const std::size_t digit = static_cast<std::size_t>(s_[pos_] - '0');
        if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) throw NpyError("shape: a dimension overflows");
        v = v * 10 + digit;
        ++pos_;
      }
      if (pos_ == start) throw NpyError("shape: expected a non-negative integer at column " + std::to_string(pos_));
      if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 longs
      dims.push_back(v);
      if (dims.size() > 32) throw NpyError("shape: more than 32 dimensions");
      skip();
      if (peek() == ',') ++pos_;
    }
    expect(')');
    return dims;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string to_string(Dtype d) {
  const unsigned bits = 8 * d.bytes;
  std::string name;
  switch (d.kind) {
    case 'b': name = "bool"; break;
    case 'i': name = "int" + std::to_string(bits); break;
    case 'u': name = "uint" + std::to_string(bits); break;
    case 'f': name = "float" + std::to_string(bits); break;
    case 'c': name = "complex" + std::to_string(bits); break;
    default: name = "?";
  }
  return d.big_endian ? ">" + name : name;
}

std::string descr(Dtype d) {
  const char order = d.bytes == 1 ? '|' : d.big_endian ? '>' : '<';
  return std::string{order, d.kind} + std::to_string(d.bytes);
}

std::size_t item_bytes(Dtype d) { return d.bytes; }

std::size_t NpyHeader::elements() const {
  std::size_t n = 1;
  const std::size_t limit = std::numeric_limits<std::size_t>::max() / item_bytes(dtype);
  for (auto d : shape) {
    if (d != 0 && n > limit / d) throw NpyError("shape " + shape_string(shape) + " is too large (byte size overflows)");
    n *= d;
  }
  return n;
}

std::string shape_string(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

NpyHeader parse_npy_header(std::string_view dict) { return DictParser(dict).parse(); }

NpyArray read_npy(const std::string& path) {
  auto fail = [&](const std::string& why) { return NpyError(path + ": " + why); };
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) throw fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) throw fail("not a regular file");
  const auto file_size = static_cast<std::size_t>(st.st_size);

  unsigned char pre[12];
  const std::size_t got = detail::read_full(f.fd, pre, 10);
  if (got < 10 || std::memcmp(pre, kMagic, kMagicLen) != 0)
    throw fail("not a NumPy .npy file (no \\x93NUMPY magic at the start)");
  const int major = pre[6], minor = pre[7];
  std::size_t header_len = 0, prefix = 0;
  if (major == 1 && minor == 0) {
    header_len = pre[8] | (std::size_t(pre[9]) << 8);
    prefix = 10;
  } else if ((major == 2 || major == 3) && minor == 0) {
    if (detail::read_full(f.fd, pre + 10, 2) < 2) throw fail("truncated header");
    header_len = pre[8] | (std::size_t(pre[9]) << 8) | (std::size_t(pre[10]) << 16) | (std::size_t(pre[11]) << 24);
    prefix = 12;
  } else {
    throw fail("format version " + std::to_string(major) + "." + std::to_string(minor) +
               " is not supported: allowed 1.0, 2.0, 3.0");
  }
  if (header_len > kMaxHeader)
    throw fail("header length " + std::to_string(header_len) + " is absurd (at most " + std::to_string(kMaxHeader) +
               " bytes accepted)");
  if (prefix + header_len > file_size) throw fail("truncated header");
  std::string dict(header_len, '\0');
  if (detail::read_full(f.fd, dict.data(), header_len) < header_len) throw fail("truncated header");
  NpyArray a;
  try {
    a.header = parse_npy_header(dict);
  } catch (const NpyError& e) {
    throw fail(e.what());
  }
  const std::size_t n = a.header.elements();
  const std::size_t bytes = n * item_bytes(a.header.dtype);
  const std::size_t have = file_size - prefix - header_len;
  if (have < bytes)
    throw fail("truncated: shape " + shape_string(a.header.shape) + " of " + to_string(a.header.dtype) + " needs " +
               std::to_string(bytes) + " data bytes, the file has " + std::to_string(have));
  if (have > bytes)
    throw fail(std::to_string(have - bytes) + " bytes after the data of shape " + shape_string(a.header.shape) +
               " (not one array?)");
  a.bytes.resize(bytes);
  if (detail::read_full(f.fd, a.bytes.data(), bytes) < bytes) throw fail("truncated while reading the data");
  return a;
}

void write_npy(const std::string& path, Dtype dtype, const std::vector<std::size_t>& shape, const void* data) {
  const NpyHeader h{dtype, shape};
  const std::size_t bytes = h.elements() * item_bytes(dtype);
  std::string dict = "{'descr': '" + descr(dtype) + "', 'fortran_order': False, 'shape': " + shape_string(shape) + ", }";
  // Pad with spaces and end with '\n' so the data starts 64-byte aligned.
  const bool v2 = dict.size() + 1 + 10 > 65535;
  const std::size_t prefix = v2 ? 12 : 10;
  const std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::string head(kMagic, kMagicLen);
  head += static_cast<char>(v2 ? 2 : 1);
  head += '\0';
  const std::size_t len = dict.size();
  head += static_cast<char>(len & 0xff);
  head += static_cast<char>((len >> 8) & 0xff);
  if (v2) {
    head += static_cast<char>((len >> 16) & 0xff);
    head += static_cast<char>((len >> 24) & 0xff);
  }
  head += dict;

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Fd f;
  f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f.fd < 0) throw NpyError(path + ": cannot create: " + std::strerror(errno));
  auto put = [&](const void* p, std::size_t n) {
    if (detail::write_full(f.fd, p, n)) return;
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw NpyError(path + ": write failed: " + why);
  };
  put(head.data(), head.size());
  put(data, bytes);
  const int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw NpyError(path + ": cannot write: " + why);
  }
}

}  // namespace hmp::apps
