#include <hmp/detail/message_parts.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/errors.hpp>

#include <climits>

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

void check_parts(std::span<const std::uint64_t> parts, std::uint64_t items) {
  std::uint64_t sum = 0;
  for (const auto p : parts)
    if (__builtin_add_overflow(sum, p, &sum)) throw Error("hmp: a pool message is malformed");
  if (sum != items) throw Error("hmp: a pool message is malformed");
}

}  // namespace hmp::detail
