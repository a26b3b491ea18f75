#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_buffer.hpp>
#include <hmp/shared_memory.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace hmp::detail {

namespace {

// MPI counts are ints: big buffers move in pieces of at most 1 GiB.
constexpr std::size_t kPiece = std::size_t{1} << 30;

void bcast_bytes(std::byte* p, std::size_t n, const Communicator& comm) {
  for (std::size_t off = 0; off < n; off += kPiece)
    HMP_MPI_CHECK(MPI_Bcast(p + off, static_cast<int>(std::min(kPiece, n - off)), MPI_BYTE, 0, comm.native()));
}

void send_bytes(const std::byte* p, std::size_t n, int to, const Communicator& comm) {
  for (std::size_t off = 0; off < n; off += kPiece)
    HMP_MPI_CHECK(MPI_Send(p + off, static_cast<int>(std::min(kPiece, n - off)), MPI_BYTE, to, 0,
                           comm.native()));
}

void recv_bytes(std::byte* p, std::size_t n, int from, const Communicator& comm) {
  for (std::size_t off = 0; off < n; off += kPiece)
    HMP_MPI_CHECK(MPI_Recv(p + off, static_cast<int>(std::min(kPiece, n - off)), MPI_BYTE, from, 0,
                           comm.native(), MPI_STATUS_IGNORE));
}

// Every rank's flat list of (begin, end) pairs, concatenated at rank 0 of comm.
std::vector<std::uint64_t> gather_flat(const std::vector<std::uint64_t>& mine, const Communicator& comm,
                                       std::vector<int>* counts_out = nullptr) {
  const int size = comm.size(), rank = comm.rank();
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(rank == 0 ? size : 0), displs(rank == 0 ? size : 0);
  HMP_MPI_CHECK(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm.native()));
  std::vector<std::uint64_t> all;
  if (rank == 0) {
    int total = 0;
    for (int r = 0; r < size; ++r) displs[r] = total, total += counts[r];
    all.resize(static_cast<std::size_t>(total));
  }
  HMP_MPI_CHECK(MPI_Gatherv(mine.data(), n, MPI_UINT64_T, all.data(), counts.data(), displs.data(),
                            MPI_UINT64_T, 0, comm.native()));
  if (counts_out) *counts_out = counts;
  return all;
}

// Sorted, merged, non-empty ranges from a flat (begin, end) list.
std::vector<std::uint64_t> normalize(const std::vector<std::uint64_t>& flat) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> r;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
    if (flat[i] < flat[i + 1]) r.emplace_back(flat[i], flat[i + 1]);
  std::sort(r.begin(), r.end());
  std::vector<std::uint64_t> out;
  for (const auto& [b, e] : r) {
    if (!out.empty() && b <= out.back()) {
      out.back() = std::max(out.back(), e);
    } else {
      out.push_back(b);
      out.push_back(e);
    }
  }
  return out;
}

// Open MPI backs a shared window with a sparse file in /dev/shm: a window
// larger than its free space is made, then kills the rank with SIGBUS when
// touched. Refused instead, on every rank of the group together.
void check_node_space(const NodeGroups& groups, std::size_t bytes) {
  double free_bytes = static_cast<double>(SharedMemory::available_bytes());
  // The rank whose node is short of most space (> 0: does not fit).
  struct { double v; int rank; } in{static_cast<double>(bytes) - free_bytes, groups.group.rank()}, out{0, 0};
  HMP_MPI_CHECK(MPI_Allreduce(&in, &out, 1, MPI_DOUBLE_INT, MPI_MAXLOC, groups.group.native()));
  if (out.v <= 0) return;
  double have = free_bytes;
  HMP_MPI_CHECK(MPI_Bcast(&have, 1, MPI_DOUBLE, out.rank, groups.group.native()));
  throw UsageError("SharedArray: " + std::to_string(bytes) + " bytes per node is more than a node can hold (" +
                   std::to_string(static_cast<std::size_t>(have)) +
                   " bytes free in /dev/shm on the node of rank " + std::to_string(out.rank) +
                   "); use fewer elements");
}

}  // namespace

NodeBuffer::NodeBuffer(const Communicator& comm, std::size_t count, std::size_t elem_size,
                       Placement placement)
    : groups_(split_by_node(comm)), count_(count), elem_size_(elem_size) {
  if (elem_size == 0 || elem_size > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw UsageError("SharedArray: element size " + std::to_string(elem_size) + " is not supported");
  if (count > std::numeric_limits<std::size_t>::max() / elem_size)
    throw UsageError("SharedArray: " + std::to_string(count) + " elements overflow the address space");
  const int node_rank = groups_.node.rank(), node_size = groups_.node.size();
  if (placement == Placement::first_rank) {
    local_ = node_rank == 0 ? IndexRange{0, count} : IndexRange{count, count};
  } else {
    // Blocks of whole pages when an element divides a page, so that each
    // block starts on its own page (the segment itself is page-aligned).
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t per_page = page % elem_size == 0 ? page / elem_size : 1;
    std::size_t chunk = (count + node_size - 1) / static_cast<std::size_t>(node_size);
    chunk = (chunk + per_page - 1) / per_page * per_page;
    const std::size_t b = std::min(count, chunk * static_cast<std::size_t>(node_rank));
    local_ = {b, std::min(count, b + chunk)};
  }
  // Contiguous parts (no alloc_shared_noncontig): the array must be one range
  // of addresses for spans and Eigen maps; the page-sized blocks above give
  // the per-rank placement that key would.
  // Open MPI starts a shared window 8 bytes past a cache line; FFTW and
  // other SIMD kernels lose their aligned paths there. With everything on the
  // first rank, over-allocate one line and start the array on a boundary.
  constexpr std::size_t kAlign = 64;
  const bool align = placement == Placement::first_rank && count > 0;
  const std::size_t pad = align && node_rank == 0 ? kAlign : 0;
  check_node_space(groups_, count * elem_size + (align ? kAlign : 0));
  void* mine = nullptr;
  win_ = Window::allocate_shared(groups_.node, local_.size() * elem_size + pad, 1, &mine);
  std::size_t first_bytes = 0;
  // MPI_PROC_NULL: the start of the lowest rank's non-empty part = the array.
  void* base = win_.shared_query(MPI_PROC_NULL, &first_bytes);
  base_ = count == 0 ? nullptr : static_cast<std::byte*>(base);
  if (align) {
    const auto at = reinterpret_cast<std::uintptr_t>(base_);
    base_ += (kAlign - at % kAlign) % kAlign;
    mine = base_;  // rank 0's part is the aligned array
  }
  if (local_.size() > 0 && static_cast<std::byte*>(mine) != base_ + local_.begin * elem_size)
    throw Error("SharedArray: MPI placed the node's parts out of order (rank " + std::to_string(node_rank) +
                ")");
  win_.lock_all();
  // Zeroes, like Python's RawArray; written by the part's owner: first touch.
  if (local_.size() > 0) std::memset(base_ + local_.begin * elem_size, 0, local_.size() * elem_size);
  fence();
}

void NodeBuffer::sync() const { win_.sync(); }

void NodeBuffer::fence() const {
  win_.sync();
  groups_.node.barrier();
  win_.sync();
}

void NodeBuffer::broadcast_from_root() const {
  fence();
  if (groups_.nodes > 1 && groups_.leaders.valid()) bcast_bytes(base_, count_ * elem_size_, groups_.leaders);
  fence();
}

namespace {

// Root's leader: nodes must write disjoint items, or the result would depend
// on order. `all` holds every node's (begin, end) pairs, counts[n] numbers of
// node n; on a conflict, status becomes {0, begin, end, node, other node}.
void check_disjoint_nodes(const std::vector<std::uint64_t>& all, const std::vector<int>& counts,
                          std::uint64_t (&status)[5]) {
  struct Tagged {
    std::uint64_t b, e;
    std::uint64_t node;
  };
  std::vector<Tagged> t;
  std::size_t at = 0;
  for (std::size_t n = 0; n < counts.size(); ++n)
    for (int k = 0; k < counts[n]; k += 2, at += 2) t.push_back({all[at], all[at + 1], n});
  std::sort(t.begin(), t.end(), [](const Tagged& x, const Tagged& y) { return x.b < y.b; });
  std::uint64_t reach = 0, reach_node = 0;
  for (std::size_t i = 0; i < t.size() && status[0]; ++i) {
    if (i > 0 && t[i].b < reach && t[i].node != reach_node) {
      status[0] = 0, status[1] = t[i].b, status[2] = std::min(reach, t[i].e);
      status[3] = reach_node, status[4] = t[i].node;
    }
    if (t[i].e > reach) reach = t[i].e, reach_node = t[i].node;
  }
}

}  // namespace

void NodeBuffer::gather_to_root(std::span<const IndexRange> written) const {
  // Check the ranges on every rank first and fail everywhere together, so a
  // bad argument on one rank never leaves the others waiting.
  int bad = 0;
  for (const auto& r : written)
    if (r.begin > r.end || r.end > count_) bad = 1;
  int any_bad = 0;
  HMP_MPI_CHECK(MPI_Allreduce(&bad, &any_bad, 1, MPI_INT, MPI_MAX, groups_.group.native()));
  if (any_bad)
    throw UsageError(std::string("SharedArray::gather_to_root: ") +
                     (bad ? "this rank passed" : "another rank passed") +
                     " a range outside [0, size()) or with begin > end; pass half-open ranges of the items written");
  fence();
  if (groups_.nodes == 1) return;
  std::vector<std::uint64_t> flat;
  for (const auto& r : written) flat.insert(flat.end(), {r.begin, r.end});
  std::vector<std::uint64_t> node_ranges = normalize(gather_flat(flat, groups_.node));
  // status: ok, first conflicting range (begin, end) and its two nodes
  std::uint64_t status[5] = {1, 0, 0, 0, 0};
  std::vector<int> counts;
  std::vector<std::uint64_t> all;
  if (groups_.leaders.valid()) {
    all = gather_flat(node_ranges, groups_.leaders, &counts);
    if (groups_.node_index == 0) check_disjoint_nodes(all, counts, status);
    HMP_MPI_CHECK(MPI_Bcast(status, 5, MPI_UINT64_T, 0, groups_.leaders.native()));
  }
  HMP_MPI_CHECK(MPI_Bcast(status, 5, MPI_UINT64_T, 0, groups_.node.native()));
  if (!status[0])
    throw UsageError("SharedArray::gather_to_root: nodes " + std::to_string(status[3]) + " and " +
                     std::to_string(status[4]) + " both wrote items [" + std::to_string(status[1]) + ", " +
                     std::to_string(status[2]) + "); each item may be written on one node only");
  if (groups_.leaders.valid()) {
    if (groups_.node_index == 0) {
      std::size_t at = static_cast<std::size_t>(counts[0]);
      for (std::size_t n = 1; n < counts.size(); ++n)
        for (int k = 0; k < counts[n]; k += 2, at += 2)
          recv_bytes(base_ + all[at] * elem_size_, (all[at + 1] - all[at]) * elem_size_, static_cast<int>(n),
                     groups_.leaders);
    } else {
      for (std::size_t k = 0; k < node_ranges.size(); k += 2)
        send_bytes(base_ + node_ranges[k] * elem_size_, (node_ranges[k + 1] - node_ranges[k]) * elem_size_, 0,
                   groups_.leaders);
    }
  }
  fence();
}

}  // namespace hmp::detail
