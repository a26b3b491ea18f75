// Pool messages: a cereal-encoded header followed by raw payload bytes.
#pragma once

#include <hmp/detail/byte_stream.hpp>
#include <hmp/detail/call_state.hpp>
#include <hmp/serialize.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace hmp::detail {

// Ranges travel as one block of bytes: at chunksize 1 a message holds one
// range per item, and one cereal call per integer cost more than the items.
template <class A>
void save_ranges(A& ar, const std::vector<Range>& ranges) {
  static_assert(std::is_trivially_copyable_v<Range> && sizeof(Range) == 16);
  ar(cereal::make_size_tag(static_cast<cereal::size_type>(ranges.size())));
  if (!ranges.empty()) ar(cereal::binary_data(ranges.data(), ranges.size() * sizeof(Range)));
}
template <class A>
void load_ranges(A& ar, std::vector<Range>& ranges) {
  cereal::size_type n = 0;
  ar(cereal::make_size_tag(n));
  ranges.resize(static_cast<std::size_t>(n));
  if (n) ar(cereal::binary_data(ranges.data(), ranges.size() * sizeof(Range)));
}

/// A rank whose last message a node leader carries to root (relay_tree.hpp).
struct Carried {
  int rank = -1;
  double busy = 0;
  std::uint32_t requests = 0;  ///< as DataHeader::requests
  template <class A>
  void serialize(A& ar) { ar(rank, busy, requests); }
};

/// Worker -> root: results of some ranges of a call, in `parts` messages
/// that follow the header (see message_parts.hpp).
struct DataHeader {
  std::uint64_t seq = 0;
  CallSignature sig;
  bool done = false;
  std::optional<TaskFailure> failure;
  std::vector<Range> ranges;
  std::vector<std::uint64_t> parts;  ///< items in each message that follows
  double busy = 0;
  /// Results of these ranges are in the worker's slab as batch
  /// `slab_batch` (result_slab.hpp; 0: none), not in the parts.
  std::uint64_t slab_batch = 0;
  std::vector<Range> slab_ranges;
  /// A node leader's message: also the last message of these ranks of its
  /// node (their ranges and parts follow the leader's own, in this order).
  std::vector<Carried> carried;
  std::optional<std::string> mismatch;  ///< a leader: a rank of its node made another call
  /// To a node leader: this rank's results went to root itself.
  bool direct = false;
  /// The last message: requests for blocks this rank sent root in the call
  /// (node_blocks.hpp), so root takes each, even one sent as the call stopped.
  std::uint32_t requests = 0;
  /// The last message: this rank's task failed and it sent root the failure
  /// at once (a StatusHeader with the call's status tag: worker_role.cpp).
  bool noticed = false;
  /// To a node leader: small raw results, the parts' bytes in order, in
  /// this message instead of a message a part (worker_role.cpp, send_up).
  std::vector<unsigned char> inline_parts;
  /// A node's message sent by the rank that read its node's slots
  /// (node_results.hpp), which hears the outcome from its node leader.
  bool gathered = false;
  template <class A>
  void save(A& ar) const {
    ar(seq, sig, done, failure);
    save_ranges(ar, ranges);
    ar(parts, busy, slab_batch);
    save_ranges(ar, slab_ranges);
    ar(carried, mismatch, direct, requests, noticed, inline_parts, gathered);
  }
  template <class A>
  void load(A& ar) {
    ar(seq, sig, done, failure);
    load_ranges(ar, ranges);
    ar(parts, busy, slab_batch);
    load_ranges(ar, slab_ranges);
    ar(carried, mismatch, direct, requests, noticed, inline_parts, gathered);
  }
};

/// Root -> worker: the call's outcome (and all results when asked for
/// everywhere); worker -> root, in a call every rank waits for: its task's
/// failure, sent as it happens.
struct StatusHeader {
  std::uint64_t seq = 0;
  std::optional<TaskFailure> failure;
  std::optional<std::string> mismatch;
  bool with_results = false;
  template <class A>
  void serialize(A& ar) { ar(seq, failure, mismatch, with_results); }
};

/// Root -> worker: inputs only root holds (hmp::from_root), in `parts`
/// messages that follow the header, or, for a worker that reads root's
/// memory (cross_memory.hpp), at `at` in process `pid` (`bytes` each), to
/// be read before the worker acknowledges them.
struct InputHeader {
  std::uint64_t seq = 0;
  CallSignature sig;
  std::uint64_t n = 0;
  Schedule schedule;  ///< as root resolved it (static unless `claimed`), with its chunksize
  std::vector<Range> ranges;
  std::vector<std::uint64_t> parts;  ///< items in each part
  std::uint64_t pid = 0;             ///< root's process when the worker reads the parts; else 0
  std::vector<std::uint64_t> at, bytes;
  /// All n items lent (one part at `at`, no ranges): the worker reads what it claims.
  bool claimed = false;
  template <class A>
  void save(A& ar) const {
    ar(seq, sig, n, static_cast<std::uint8_t>(schedule.kind), static_cast<std::uint64_t>(schedule.chunksize));
    save_ranges(ar, ranges);
    ar(parts, pid, at, bytes, claimed);
  }
  template <class A>
  void load(A& ar) {
    std::uint8_t kind = 0;
    std::uint64_t chunksize = 0;
    ar(seq, sig, n, kind, chunksize);
    if (kind > static_cast<std::uint8_t>(Schedule::Kind::guided)) throw Error("hmp: a pool message is malformed");
    schedule = {static_cast<Schedule::Kind>(kind), static_cast<std::size_t>(chunksize)};
    load_ranges(ar, ranges);
    ar(parts, pid, at, bytes, claimed);
    if (pid && (claimed ? at.size() != 1 || bytes.size() != 1 || !ranges.empty()
                        : at.size() != parts.size() || bytes.size() != parts.size()))
      throw Error("hmp: a pool message is malformed");
  }
};

/// [u64 header length][header]; the caller appends the payload.
template <class H>
std::vector<std::byte> encode(const H& header) {
  std::vector<std::byte> out(8);
  {
    ByteSink sink(out);
    SinkStream stream(sink);
    cereal::BinaryOutputArchive ar(stream.get());
    ar(header);
  }
  const std::uint64_t len = out.size() - 8;
  std::memcpy(out.data(), &len, 8);
  return out;
}

/// Decodes the header; returns the payload that follows it.
template <class H>
std::span<const std::byte> decode(std::span<const std::byte> bytes, H& header) {
  std::uint64_t len = 0;
  if (bytes.size() < 8) throw Error("hmp: a pool message is truncated");
  std::memcpy(&len, bytes.data(), 8);
  if (len > bytes.size() - 8) throw Error("hmp: a pool message is truncated");
  ByteSource source(bytes.subspan(8, len));
  SourceStream stream(source);
  cereal::BinaryInputArchive ar(stream.get());
  ar(header);
  return bytes.subspan(8 + len);
}

}  // namespace hmp::detail
