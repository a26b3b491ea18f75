// hmp::SharedArray<T>: one array per node in an MPI-3 shared window, mapped
// directly by every rank of the node (Python's RawArray / a shared ndarray).
//
// Memory model. Ranks of a node read and write the same bytes, but a store
// by one rank is only guaranteed visible to another after both synchronize:
//   - sync():  MPI_Win_sync, a memory barrier on this rank (local, not
//              collective): this rank's earlier stores are published and its
//              later loads see what was published before. Pair it with your
//              own signal (an Event, a Lock, a message) between the ranks.
//   - fence(): MPI_Win_sync + barrier of the node + MPI_Win_sync (collective
//              over the node's ranks of the array): every store made by any
//              rank of the node before the fence is seen by every rank of the
//              node after it. This is what you want between "fill" and "use".
// Nodes do not see each other's copies at all: data moves between nodes
// only through broadcast_from_root() and gather_to_root() (collective).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/node_buffer.hpp>
#include <hmp/errors.hpp>
#include <hmp/index_range.hpp>
#include <hmp/runtime.hpp>

#include <Eigen/Core>

#include <atomic>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace hmp {

template <class T>
class SharedArray {
  static_assert(std::is_trivially_copyable_v<T>, "SharedArray<T> needs a trivially copyable T");

 public:
  using value_type = T;
  using size_type = std::size_t;
  using iterator = T*;
  using const_iterator = const T*;
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  using MatrixMap = Eigen::Map<Matrix>;
  using ConstMatrixMap = Eigen::Map<const Matrix>;

  /// Collective over `comm`. Its ranks are grouped by node (the Runtime's
  /// nodes, simulated ones included); each node gets one zeroed copy of
  /// `size` elements that all its ranks map. Pass rt.world() (or the
  /// Runtime) for a job-wide array with one copy per node; pass rt.node()
  /// for an array of this node only (then there is nothing to broadcast or
  /// gather). Root is rank 0 of `comm`.
  SharedArray(const Communicator& comm, std::size_t size, Placement placement = Placement::first_rank)
      : buf_(comm, size, sizeof(T), placement) {}
  /// Job-wide: the same as SharedArray(rt.world(), size, placement).
  SharedArray(const Runtime& rt, std::size_t size, Placement placement = Placement::first_rank)
      : SharedArray(rt.world(), size, placement) {}

  SharedArray(const SharedArray&) = delete;
  SharedArray& operator=(const SharedArray&) = delete;
  SharedArray(SharedArray&&) noexcept = default;
  SharedArray& operator=(SharedArray&&) noexcept = default;

  // --- span-like access (this node's copy) --------------------------------
  T* data() noexcept { return reinterpret_cast<T*>(buf_.data()); }
  const T* data() const noexcept { return reinterpret_cast<const T*>(buf_.data()); }
  std::size_t size() const noexcept { return buf_.count(); }
  bool empty() const noexcept { return size() == 0; }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  /// Bounds-checked access: UsageError naming the index and the size.
  T& at(std::size_t i) { check_index(i); return data()[i]; }
  const T& at(std::size_t i) const { check_index(i); return data()[i]; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size(); }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size(); }
  std::span<T> span() noexcept { return {data(), size()}; }
  std::span<const T> span() const noexcept { return {data(), size()}; }
  operator std::span<T>() noexcept { return span(); }
  operator std::span<const T>() const noexcept { return span(); }

  /// The elements this rank allocated and first-touched: all of them on node
  /// rank 0 with Placement::first_rank (empty elsewhere); this rank's block of
  /// whole pages with Placement::split. A natural share of work per rank.
  IndexRange local_range() const noexcept { return buf_.local_range(); }

  // --- Eigen views ----------------------------------------------------------
  /// The whole array as a rows x cols matrix, column-major (numpy
  /// order='F': element (i, j) at i + j * rows). rows * cols must be size().
  MatrixMap as_matrix(std::size_t rows, std::size_t cols) {
    check_shape(rows, cols, 1, "as_matrix");
    return MatrixMap(data(), to_index(rows), to_index(cols));
  }
  ConstMatrixMap as_matrix(std::size_t rows, std::size_t cols) const {
    check_shape(rows, cols, 1, "as_matrix");
    return ConstMatrixMap(data(), to_index(rows), to_index(cols));
  }
  /// Slice s of a 3-D tensor of shape (rows, cols, m) stored in numpy
  /// order='F' (element (i, j, s) at i + j * rows + s * rows * cols): the
  /// tutorial's tensor[:, :, s], a contiguous column-major rows x cols matrix
  /// at offset s * rows * cols. (rows * cols * (s + 1) must fit in size().)
  MatrixMap matrix(std::size_t rows, std::size_t cols, std::size_t s) {
    check_shape(rows, cols, s + 1, "matrix");
    return MatrixMap(data() + s * rows * cols, to_index(rows), to_index(cols));
  }
  ConstMatrixMap matrix(std::size_t rows, std::size_t cols, std::size_t s) const {
    check_shape(rows, cols, s + 1, "matrix");
    return ConstMatrixMap(data() + s * rows * cols, to_index(rows), to_index(cols));
  }

  // --- atomics on elements (inside the node) --------------------------------
  /// Atomic on this node's copy (std::atomic_ref): ranks of one node never
  /// lose an update; other nodes' copies are separate.
  T fetch_add(std::size_t i, T v) requires std::is_arithmetic_v<T> {
    check_index(i);
    return std::atomic_ref<T>(data()[i]).fetch_add(v);
  }
  bool compare_exchange(std::size_t i, T& expected, T desired) requires std::is_arithmetic_v<T> {
    check_index(i);
    return std::atomic_ref<T>(data()[i]).compare_exchange_strong(expected, desired);
  }

  // --- synchronization and moves between nodes ------------------------------
  /// Memory barrier on this rank (MPI_Win_sync); see the top of this file.
  void sync() const { buf_.sync(); }
  /// Node-wide: all stores on the node before it are seen by all ranks of the
  /// node after it. Collective over the node's ranks of the array.
  void fence() const { buf_.fence(); }
  /// Collective over every rank of the array: every node's copy becomes a
  /// copy of root's node's (through the node leaders), fenced on each node.
  void broadcast_from_root() const { buf_.broadcast_from_root(); }
  /// Collective over every rank of the array: each rank passes the index
  /// ranges it wrote (any number, possibly none); afterwards root's node's
  /// copy holds every node's writes, fenced. Items written by ranks of
  /// root's node stay as they are. Two nodes writing the same item is a
  /// UsageError on every rank (the result would depend on order); ranges
  /// outside [0, size()) too. Other nodes' copies are not changed.
  void gather_to_root(std::span<const IndexRange> written_by_this_rank) const {
    buf_.gather_to_root(written_by_this_rank);
  }
  void gather_to_root(const std::vector<IndexRange>& written_by_this_rank) const {
    buf_.gather_to_root(std::span<const IndexRange>(written_by_this_rank));
  }
  /// One range [begin, end) written by this rank (empty: begin == end).
  void gather_to_root(std::size_t begin, std::size_t end) const {
    const IndexRange r{begin, end};
    buf_.gather_to_root(std::span<const IndexRange>(&r, 1));
  }

  /// The array's communicator (a private duplicate), its node part, and the
  /// number of nodes it spans.
  const Communicator& comm() const noexcept { return buf_.groups().group; }
  const Communicator& node_comm() const noexcept { return buf_.groups().node; }
  int nodes() const noexcept { return buf_.groups().nodes; }
  bool is_root() const { return buf_.groups().group.rank() == 0; }

 private:
  void check_index(std::size_t i) const {
    if (i >= size())
      throw UsageError("SharedArray: index " + std::to_string(i) + " out of range; size is " +
                       std::to_string(size()));
  }
  void check_shape(std::size_t rows, std::size_t cols, std::size_t slices, const char* what) const {
    const bool whole = std::string(what) == "as_matrix";
    const std::size_t need = rows * cols * slices;
    if ((rows != 0 && need / rows / slices != cols) || (whole ? need != size() : need > size()))
      throw UsageError("SharedArray::" + std::string(what) + ": " + std::to_string(rows) + " x " +
                       std::to_string(cols) + (whole ? "" : " slice " + std::to_string(slices - 1)) +
                       " does not fit an array of " + std::to_string(size()) + " elements" +
                       (whole ? " (rows * cols must equal size())" : " (needs rows * cols * (s + 1) <= size())"));
  }
  static Eigen::Index to_index(std::size_t n) { return static_cast<Eigen::Index>(n); }

  detail::NodeBuffer buf_;
};

}  // namespace hmp
