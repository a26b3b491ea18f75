#include <hmp/detail/message_parts.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/errors.hpp>

#include <algorithm>
#include <climits>
#include <cstring>

namespace hmp::detail {

namespace {

int checked_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw UsageError("hmp: a part of a pool call's message exceeds 2 GiB; use a smaller chunksize, or write "
                     "results into a hmp::SharedArray");
  return static_cast<int>(bytes);
}

}  // namespace

void isend(std::span<const std::byte> bytes, MPI_Comm comm, int dest, int tag, std::vector<MPI_Request>& requests) {
  requests.emplace_back();
  // MPI's C binding takes a non-const buffer; a send only reads it.
  HMP_MPI_CHECK(MPI_Isend(const_cast<std::byte*>(bytes.data()), checked_count(bytes.size()), MPI_BYTE, dest, tag,
                          comm, &requests.back()));
}

void send_in_parts(MPI_Comm comm, int dest, int tag, std::vector<std::byte> header, std::span<const Part> parts,
                   std::vector<std::vector<std::byte>>& buffers, std::vector<MPI_Request>& requests) {
  buffers.push_back(std::move(header));  // a moved vector keeps its memory
  isend(buffers.back(), comm, dest, tag, requests);
  for (const auto& p : parts) isend(p.bytes, comm, dest, tag, requests);
}

void order_by_position(std::vector<Range>& ranges, std::vector<std::byte>& bytes, std::size_t item,
                       std::vector<std::uint64_t>& parts) {
  if (items_in(ranges) * item != bytes.size()) throw Error("hmp: results do not match their ranges");
  struct Run {
    Range range;
    std::size_t at;  ///< where its bytes are in `bytes`
  };
  std::vector<Run> runs;
  runs.reserve(ranges.size());
  std::size_t at = 0;
  for (const auto& r : ranges) {
    if (r.size()) runs.push_back({r, at});
    at += r.size() * item;
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.range.begin < b.range.begin; });
  std::vector<std::byte> ordered(bytes.size());
  ranges.clear();
  parts.clear();
  at = 0;
  for (const auto& run : runs) {
    const std::size_t n = run.range.size() * item;
    std::memcpy(ordered.data() + at, bytes.data() + run.at, n);
    at += n;
    if (!ranges.empty() && ranges.back().end == run.range.begin) {
      ranges.back().end = run.range.end;
      parts.back() += run.range.size();
    } else {
      ranges.push_back(run.range);
      parts.push_back(run.range.size());
    }
  }
  bytes.swap(ordered);
}

void check_parts(std::span<const std::uint64_t> parts, std::uint64_t items) {
  std::uint64_t sum = 0;
  for (const auto p : parts)
    if (__builtin_add_overflow(sum, p, &sum)) throw Error("hmp: a pool message is malformed");
  if (sum != items) throw Error("hmp: a pool message is malformed");
}

}  // namespace hmp::detail
