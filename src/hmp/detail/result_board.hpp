// Where root's result vector of a call lies, so that workers on root's node
// write raw results into it themselves (process_vm_writev: Linux's
// cross-memory attach, one copy by the worker) instead of sending them: no
// message to receive, nothing to copy on root.
//
// The board is a few cells in the node's shared window. Root publishes a
// call's entry (call number, process, address, length) when it sizes the
// results and closes it when the call ends; a worker opens the entry (one
// more writer), writes, and lets go before it sends its last message, and
// closing waits for writers, so no write lands in memory root has freed.
// Anything unusual (no entry, another call's, ptrace not allowed, a short
// write) makes the worker send its results the ordinary way.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/range.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace hmp::detail {

class ResultBoard {
 public:
  /// Collective over `node` (ranks that share memory).
  explicit ResultBoard(const Communicator& node);

  /// Root: call `seq`'s results live at [base, base + bytes) of this process.
  void publish(std::uint64_t seq, void* base, std::size_t bytes);
  /// Root: no more writes into call `seq`'s results (waits for writers).
  void close(std::uint64_t seq);
  /// Worker: writes `blocks` (the results of `ranges`, in order, each item
  /// `item_bytes` long) into call `seq`'s published results. False, with
  /// nothing (or part, to be sent again) written, when that cannot be done.
  bool write(std::uint64_t seq, std::span<const std::span<const std::byte>> blocks, std::span<const Range> ranges,
             std::size_t item_bytes);

 private:
  static constexpr std::size_t kEntries = 8;  // calls open at once (later ones send)
  static constexpr std::size_t kCells = 4;    // state, pid, base, bytes
  std::size_t cell(std::uint64_t seq, std::size_t field) const { return (seq % kEntries) * kCells + field; }
  bool open(std::uint64_t seq);
  void let_go(std::uint64_t seq);

  AtomicCells<std::uint64_t> cells_;
};

}  // namespace hmp::detail
