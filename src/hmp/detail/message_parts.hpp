// A pool message in parts: a header that lists its parts, then each part as
// a contiguous message of its own, sent from where the bytes are. One
// gathered message (an MPI datatype over the parts) was packed by Open MPI
// into a second copy of the whole (without single copy, see Runtime), and
// one contiguous buffer would be a copy too: a worker holding its share of
// results would hold it twice.
#pragma once

#include <hmp/detail/range.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mpi.h>
#include <span>
#include <vector>

namespace hmp::detail {

/// The bytes of one part and how many items they hold.
struct Part {
  std::span<const std::byte> bytes;
  std::uint64_t items = 0;
};

/// Receives the next part of a message: into `dest` when given (exactly
/// its size: raw items into place), else into a buffer of the pool's
/// (valid until the next receive). Returns the bytes received.
using ReceivePart = std::function<std::span<const std::byte>(std::span<std::byte> dest)>;

/// Sends `bytes` to `dest` with `tag` (non-blocking), its request to `requests`.
void isend(std::span<const std::byte> bytes, MPI_Comm comm, int dest, int tag, std::vector<MPI_Request>& requests);

/// Sends `header` then each part to `dest` with `tag` (non-blocking); the
/// requests go to `requests`, the header's buffer to `buffers` (the parts'
/// memory must stay until the requests complete). Messages of one sender
/// and tag arrive in order, so the receiver takes the parts after the header.
void send_in_parts(MPI_Comm comm, int dest, int tag, std::vector<std::byte> header, std::span<const Part> parts,
                   std::vector<std::vector<std::byte>>& buffers, std::vector<MPI_Request>& requests);

/// Raw results of `ranges` (`item` bytes each, in that order in `bytes`)
/// put in order of position: `ranges` sorted, touching ones joined,
/// `bytes` rearranged to match, `parts` the items of each joined range. A
/// node's results are a few runs of positions (its dealt block, each block
/// it fetched), so its leader sends a part a run, which root receives in
/// place (no copy: root's copies of the nodes' results were most of a
/// call's end at 4,096 simulated ranks). `bytes` must hold every item.
void order_by_position(std::vector<Range>& ranges, std::vector<std::byte>& bytes, std::size_t item,
                       std::vector<std::uint64_t>& parts);

/// Throws when a header's parts do not add up to the items it names.
void check_parts(std::span<const std::uint64_t> parts, std::uint64_t items);

}  // namespace hmp::detail
