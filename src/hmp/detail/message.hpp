// Pool messages: a cereal-encoded header followed by raw payload bytes.
#pragma once

#include <hmp/detail/call_state.hpp>
#include <hmp/serialize.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <sstream>
#include <vector>

namespace hmp::detail {

/// Worker -> root: results of some ranges of a call.
struct DataHeader {
  std::uint64_t seq = 0;
  CallSignature sig;
  bool done = false;
  std::optional<TaskFailure> failure;
  std::vector<Range> ranges;
  double busy = 0;
  template <class A>
  void serialize(A& ar) { ar(seq, sig, done, failure, ranges, busy); }
};

/// Root -> worker: the call's outcome (and all results when asked for everywhere).
struct StatusHeader {
  std::uint64_t seq = 0;
  std::optional<TaskFailure> failure;
  std::optional<std::string> mismatch;
  bool with_results = false;
  template <class A>
  void serialize(A& ar) { ar(seq, failure, mismatch, with_results); }
};

/// Root -> worker: inputs only root holds (hmp::from_root).
struct InputHeader {
  std::uint64_t seq = 0;
  CallSignature sig;
  std::uint64_t n = 0;
  std::vector<Range> ranges;
  template <class A>
  void serialize(A& ar) { ar(seq, sig, n, ranges); }
};

/// [u64 header length][header]; the caller appends the payload.
template <class H>
std::vector<std::byte> encode(const H& header) {
  std::ostringstream stream(std::ios::binary);
  {
    cereal::BinaryOutputArchive ar(stream);
    ar(header);
  }
  const std::string h = std::move(stream).str();
  std::vector<std::byte> out(8 + h.size());
  const std::uint64_t len = h.size();
  std::memcpy(out.data(), &len, 8);
  std::memcpy(out.data() + 8, h.data(), h.size());
  return out;
}

/// Decodes the header; returns the payload that follows it.
template <class H>
std::span<const std::byte> decode(std::span<const std::byte> bytes, H& header) {
  std::uint64_t len = 0;
  if (bytes.size() < 8) throw Error("hmp: a pool message is truncated");
  std::memcpy(&len, bytes.data(), 8);
  if (len > bytes.size() - 8) throw Error("hmp: a pool message is truncated");
  std::istringstream stream(std::string(reinterpret_cast<const char*>(bytes.data()) + 8, len),
                            std::ios::binary);
  cereal::BinaryInputArchive ar(stream);
  ar(header);
  return bytes.subspan(8 + len);
}

}  // namespace hmp::detail
