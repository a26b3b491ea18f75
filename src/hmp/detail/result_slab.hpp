// Raw results of workers on root's node, handed to root through memory both
// map instead of by message. Each such worker keeps one anonymous
// shared-memory file (memfd_create) for the pool's life, writes its
// trivially copyable results into it as it computes them, and sends root
// only a header naming the ranges; root, which mapped the file once at the
// pool's start (through /proc/<pid>/fd), copies them into the result vector:
// one copy in all, no MPI transfer of the bytes (Open MPI's vader copies a
// message twice through 32 KB fragments, see Runtime), and the same pages
// call after call (fresh ones cost a fault each). The file has no name: it
// goes away with the last process that maps it, however the job ends.
//
// A worker fills its slab from the start while root has taken everything
// handed over before (the slab is idle); it hands the filled part over as
// one numbered batch, and root stores that number once it has copied the
// batch, which makes the slab idle again. Results that do not fit, or come
// while a batch is still with root, go by message as before.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/range.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace hmp::detail {

/// What a worker hands root: results of `ranges`, in order, from the
/// slab's first data byte on; root stores `number` when it has copied them.
struct SlabBatch {
  std::uint64_t number = 0;  ///< 0: no batch
  std::vector<Range> ranges;
};

/// The mapping of one slab file (both sides), unmapped and closed at the end.
class SlabMapping {
 public:
  SlabMapping(int fd, std::size_t capacity);
  SlabMapping(const SlabMapping&) = delete;
  SlabMapping& operator=(const SlabMapping&) = delete;
  ~SlabMapping();
  int fd() const noexcept { return fd_; }
  std::byte* data() const noexcept { return base_ + kDataOffset; }
  /// Bytes of results the slab can hold at most.
  std::size_t capacity() const noexcept { return capacity_; }
  /// The number of the last batch the worker handed over (it stores it
  /// after the batch's results: root reads them after it sees the number).
  std::uint64_t sealed() const noexcept;
  void seal(std::uint64_t number) noexcept;
  /// The number of the last batch root has copied (root stores it).
  std::uint64_t released() const noexcept;
  void release(std::uint64_t number) noexcept;
  /// The token the creator wrote, so root knows it mapped the right file.
  std::uint64_t token() const noexcept;
  void set_token(std::uint64_t token) noexcept;

  /// The control words take the first page; results start after it.
  static constexpr std::size_t kDataOffset = 4096;

 private:
  int fd_ = -1;
  std::size_t capacity_ = 0;
  std::byte* base_ = nullptr;
};

/// A worker's slab.
class ResultSlab {
 public:
  /// Takes over `fd` (a memfd); `token` goes into the control page.
  ResultSlab(int fd, std::size_t capacity, std::uint64_t token) : map_(fd, capacity) { map_.set_token(token); }
  /// Room for `bytes` of results after those taken since the last batch, or
  /// null (a batch is still with root, or the slab is full).
  std::byte* take(std::size_t bytes);
  /// Gives back the last `bytes` taken (a claim whose task failed).
  void untake(std::size_t bytes) noexcept { used_ -= bytes; }
  /// Hands what was taken since the last batch to root as batch
  /// `number()`; the ranges are the results' in the order they were taken.
  std::uint64_t seal();
  /// Forgets what was taken since the last batch (it is never handed over).
  void discard() noexcept { used_ = 0; }
  const SlabMapping& mapping() const noexcept { return map_; }

 private:
  bool idle() const noexcept { return map_.released() == sealed_; }
  bool grow(std::size_t bytes);

  SlabMapping map_;
  std::size_t used_ = 0;      ///< bytes taken since the last batch
  std::size_t file_size_ = 0;  ///< bytes of results the file holds now
  std::uint64_t sealed_ = 0;  ///< the last batch handed over
};

/// Root's view of a worker's slab.
class SlabReader {
 public:
  /// `worker` and `root`: the two ranks (for messages); batch() waits at
  /// most `wait_timeout` seconds.
  SlabReader(int fd, std::size_t capacity, int worker, int root, double wait_timeout)
      : map_(fd, capacity), worker_(worker), root_(root), wait_timeout_(wait_timeout) {}
  /// The first `bytes` of results of the worker's batch `number`; Error if
  /// the worker's file does not hold them, TimeoutError if the batch's
  /// number does not show within the wait timeout.
  std::span<const std::byte> batch(std::uint64_t number, std::size_t bytes) const;
  /// Lets the worker reuse its slab (after batch `number` was copied).
  void release(std::uint64_t number) noexcept { map_.release(number); }
  const SlabMapping& mapping() const noexcept { return map_; }

 private:
  [[noreturn]] void timed_out(std::uint64_t number) const;

  SlabMapping map_;
  int worker_ = -1, root_ = -1;
  double wait_timeout_ = 600;
};

/// A pool's slabs: on a worker of root's node its own, on root a reader
/// per such worker. Collective over `comm` (the pool's ranks, `groups` its
/// node groups): workers off root's node, and every rank where a memfd
/// cannot be made or root cannot map it, have none and send messages.
/// Root waits at most `wait_timeout` seconds for a batch (SlabReader::batch).
class ResultSlabs {
 public:
  ResultSlabs(const Communicator& comm, const NodeGroups& groups, int root, double wait_timeout);
  /// This worker's slab, or null.
  ResultSlab* mine() const noexcept { return mine_.get(); }
  /// Root: worker `rank`'s slab, or null.
  SlabReader* of(int rank) const noexcept;

 private:
  std::unique_ptr<ResultSlab> mine_;
  std::vector<std::unique_ptr<SlabReader>> readers_;
};

}  // namespace hmp::detail
