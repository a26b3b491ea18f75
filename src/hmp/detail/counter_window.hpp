// A few 64-bit atomic counters that every rank of a communicator can update:
// plain atomics in a shared window when the communicator lives on one node,
// MPI RMA passive target (MPI_Fetch_and_op, MPI_Compare_and_swap) on root's
// window when it spans nodes (real or simulated). Made once, collectively.
#pragma once

#include <hmp/communicator.hpp>

#include <atomic>
#include <cstdint>

namespace hmp::detail {

class CounterWindow {
 public:
  /// Collective over `comm`. `same_node` says the whole communicator shares
  /// memory (and is not split into simulated nodes).
  CounterWindow(const Communicator& comm, int count, int root, bool same_node);
  CounterWindow(const CounterWindow&) = delete;
  CounterWindow& operator=(const CounterWindow&) = delete;
  ~CounterWindow();

  // On one node these are plain atomics, inline: a claim at chunksize 1 is
  // little more than one compare-and-swap.
  std::uint64_t fetch_add(int slot, std::uint64_t value) {
    return local_ ? std::atomic_ref<std::uint64_t>(local_[slot]).fetch_add(value) : rma_fetch_add(slot, value);
  }
  std::uint64_t load(int slot) { return local_ ? std::atomic_ref<std::uint64_t>(local_[slot]).load() : rma_load(slot); }
  /// Returns the value seen: equal to `expected` when the swap happened.
  std::uint64_t compare_exchange(int slot, std::uint64_t expected, std::uint64_t desired) {
    if (!local_) return rma_compare_exchange(slot, expected, desired);
    std::atomic_ref<std::uint64_t>(local_[slot]).compare_exchange_strong(expected, desired);
    return expected;  // updated to the value seen on failure
  }
  bool shared() const noexcept { return local_ != nullptr; }

 private:
  std::uint64_t rma_fetch_add(int slot, std::uint64_t value);
  std::uint64_t rma_load(int slot);
  std::uint64_t rma_compare_exchange(int slot, std::uint64_t expected, std::uint64_t desired);

  MPI_Win win_ = MPI_WIN_NULL;
  std::uint64_t* local_ = nullptr;  // set when the counters are in shared memory
  int root_ = 0;
};

}  // namespace hmp::detail
