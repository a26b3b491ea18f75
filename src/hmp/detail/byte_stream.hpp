// Streams over byte buffers for cereal, without the copies and set-up of
// string streams: encoding appends straight to the message's vector, decoding
// reads the received bytes in place, and each thread keeps one std::ostream /
// std::istream (their construction initializes a locale: about as costly as
// a whole small message).
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>
#include <span>
#include <streambuf>
#include <vector>

namespace hmp::detail {

/// Appends whatever is written to `out`.
class ByteSink : public std::streambuf {
 public:
  explicit ByteSink(std::vector<std::byte>& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const auto* b = reinterpret_cast<const std::byte*>(s);
    out_.insert(out_.end(), b, b + n);
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) out_.push_back(static_cast<std::byte>(c));
    return traits_type::not_eof(c);
  }

 private:
  std::vector<std::byte>& out_;
};

/// Reads `in` in place; tellg() gives the bytes consumed.
class ByteSource : public std::streambuf {
 public:
  explicit ByteSource(std::span<const std::byte> in) {
    // std::streambuf's get area is char*; nothing writes through it.
    auto* b = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
    setg(b, b, b + in.size());
  }

 protected:
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override {
    if (!(which & std::ios_base::in) || off != 0 || dir != std::ios_base::cur) return pos_type(off_type(-1));
    return pos_type(gptr() - eback());
  }
};

/// This thread's output stream, writing to `sink` until the guard ends (a
/// nested guard, e.g. from a user's serialize function, restores the outer one).
class SinkStream {
 public:
  explicit SinkStream(ByteSink& sink) : stream_(shared()), outer_(stream_.rdbuf(&sink)) {}
  ~SinkStream() { stream_.rdbuf(outer_); }
  SinkStream(const SinkStream&) = delete;
  SinkStream& operator=(const SinkStream&) = delete;
  std::ostream& get() { return stream_; }

 private:
  static std::ostream& shared() {
    thread_local std::ostream s(nullptr);
    return s;
  }
  std::ostream& stream_;
  std::streambuf* outer_;
};

/// This thread's input stream, reading `source` until the guard ends (nests too).
class SourceStream {
 public:
  explicit SourceStream(ByteSource& source) : stream_(shared()), outer_(stream_.rdbuf(&source)) {}
  ~SourceStream() { stream_.rdbuf(outer_); }
  SourceStream(const SourceStream&) = delete;
  SourceStream& operator=(const SourceStream&) = delete;
  std::istream& get() { return stream_; }

 private:
  static std::istream& shared() {
    thread_local std::istream s(nullptr);
    return s;
  }
  std::istream& stream_;
  std::streambuf* outer_;
};

}  // namespace hmp::detail
