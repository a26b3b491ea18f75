// A few arithmetic cells that every rank of a communicator reads and updates
// atomically: the ground under Value, Lock, Semaphore, Barrier and Event.
//
// One node: the cells live in a shared window (MPI_Win_allocate_shared) and
// every rank uses std::atomic_ref on them directly (any thread may call).
// Several nodes: the cells live in one window on group rank 0 and every
// operation is an MPI atomic in a passive-target epoch opened once
// (MPI_Win_lock_all): MPI_Rget_accumulate (fetch-and-add, swap, read) whose
// request is polled with short sleeps, or MPI_Compare_and_swap followed by
// such a polled read of the cell before its flush (MPI has no request-based
// compare-and-swap; rma_atomic.hpp); call from the thread that made the
// Runtime then (MPI is initialized with MPI_THREAD_FUNNELED).
//
// Open MPI 4.x crashes in MPI_Compare_and_swap on 64-bit types when osc/rdma
// runs over the vader BTL's single-copy path (open-mpi/ompi#7967; 32-bit
// works). hmp::Runtime turns single copy off (then osc/rdma is not chosen
// over vader and 64-bit atomics work); where a user turned it back on,
// 8-byte cells across nodes are changed under a 32-bit guard word taken by
// CAS: every write (store, exchange, fetch_add, compare_exchange) holds it,
// plain loads do not need it (one MPI_NO_OP fetch is atomic against them).
//
// The RMA of the cross-node case moves only while rank 0 enters MPI (osc
// pt2pt over TCP has no other progress): every wait of hmp's on such cells
// enters MPI as it polls (wait_until.hpp, progress_comm()).
//
// Simulated build (SMPI): MPI_Compare_and_swap there is a get then a put, not
// atomic. Simulated ranks share one address space and run one at a time, so
// across nodes every rank works on group rank 0's cells in memory, right
// after a MPI_NO_OP fetch that puts the atomic's round trip into simulated
// time (in_memory()).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/rma_atomic.hpp>
#include <hmp/detail/window.hpp>
#include <hmp/detail/wait_until.hpp>

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>

namespace hmp::detail {

/// The MPI integer type with T's size and signedness.
template <class T>
MPI_Datatype mpi_integer_type() {
  static_assert(std::is_integral_v<T>);
  if constexpr (std::is_signed_v<T>) {
    if constexpr (sizeof(T) == 1) return MPI_INT8_T;
    else if constexpr (sizeof(T) == 2) return MPI_INT16_T;
    else if constexpr (sizeof(T) == 4) return MPI_INT32_T;
    else return MPI_INT64_T;
  } else {
    if constexpr (sizeof(T) == 1) return MPI_UINT8_T;
    else if constexpr (sizeof(T) == 2) return MPI_UINT16_T;
    else if constexpr (sizeof(T) == 4) return MPI_UINT32_T;
    else return MPI_UINT64_T;
  }
}

template <class T>
concept AtomicCellValue = (std::is_integral_v<T> && !std::is_same_v<T, bool>) ||
                          (std::is_floating_point_v<T> && (sizeof(T) == 4 || sizeof(T) == 8));

template <AtomicCellValue T>
class AtomicCells {
  // RMA on floating-point cells works on their bits (MPI_Compare_and_swap
  // takes integers only), and one datatype is used for every operation on a
  // cell, so MPI's accumulate atomicity holds.
  using Bits = std::conditional_t<std::is_floating_point_v<T>,
                                  std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>, T>;

 public:
  /// Collective over `comm`: `count` cells, each set to `initial`.
  AtomicCells(const Communicator& comm, std::size_t count, T initial = T{})
      : groups_(shared_node_groups(comm)), count_(count) {
    rank_ = groups_->group.rank();
    single_node_ = groups_->nodes == 1;
    void* base = nullptr;
    const std::size_t bytes = rank_ == 0 ? count * sizeof(T) : 0;
    if (single_node_) {
      win_ = Window::allocate_shared(groups_->group, bytes, sizeof(T), &base);
      cells_ = static_cast<T*>(win_.shared_query(0));
    } else {
      win_ = Window::allocate(groups_->group, bytes, sizeof(T), &base);
      cells_ = static_cast<T*>(base);
    }
    // Only rank 0's memory holds cells across nodes (others have none).
    const bool holds = single_node_ || rank_ == 0;
    int bad = holds && reinterpret_cast<std::uintptr_t>(cells_) % std::atomic_ref<T>::required_alignment != 0;
    // Across nodes every operation aims at rank 0.
#ifdef HMP_SMPI
    if (!single_node_)
      win_.lock(0);
    else
#endif
      win_.lock_all();
    if (rank_ == 0 && !bad)
      for (std::size_t i = 0; i < count; ++i) cells_[i] = initial;
    win_.sync();
    // Doubles as the barrier after initialization; failing on every rank
    // together keeps a collective constructor from leaving ranks waiting.
    int mine[2] = {bad, sizeof(T) == 8 && !single_node_ && vader_single_copy_on()}, any[2] = {0, 0};
    HMP_MPI_CHECK(MPI_Allreduce(mine, any, 2, MPI_INT, MPI_MAX, groups_->group.native()));
    if (any[0]) throw Error("hmp: MPI gave a window too poorly aligned for atomics");
    win_.sync();
#ifdef HMP_SMPI
    if (!single_node_) {
      auto where = reinterpret_cast<std::uintptr_t>(cells_);  // valid on every simulated rank
      HMP_MPI_CHECK(MPI_Bcast(&where, sizeof where, MPI_BYTE, 0, groups_->group.native()));
      cells_ = reinterpret_cast<T*>(where);
    }
    any[1] = 0;  // no guard word: in_memory() operations are atomic
#endif
    if (any[1]) guard_ = std::make_unique<AtomicCells<std::int32_t>>(groups_->group, 1, 0);
    target_ = !single_node_ && rank_ == 0;
    if (target_) ++rma_targets_here();
  }
  ~AtomicCells() {
    if (target_) --rma_targets_here();
  }
  AtomicCells(const AtomicCells&) = delete;
  AtomicCells& operator=(const AtomicCells&) = delete;

  std::size_t size() const noexcept { return count_; }
  /// True when every rank reaches the cells through shared memory.
  bool single_node() const noexcept { return single_node_; }
  const Communicator& comm() const noexcept { return groups_->group; }
  /// The group split by node (see node_groups.hpp).
  const NodeGroups& groups() const noexcept { return *groups_; }
  int rank() const noexcept { return rank_; }
  /// Cell i's address when it is in memory the ranks share (one node), for
  /// waits that sleep on it (wait_until's `word`); else null.
  T* shared_cell(std::size_t i) const noexcept { return single_node_ ? cells_ + i : nullptr; }
  /// What a wait on these cells passes to wait_until: the group's
  /// communicator when the cells are reached by RMA (see the top), else null.
  MPI_Comm progress_comm() const noexcept { return single_node_ ? MPI_COMM_NULL : groups_->group.native(); }

  T load(std::size_t i) const {
    if (in_memory(i)) return ref(i).load();
    return std::bit_cast<T>(fetch_op(i, Bits{}, MPI_NO_OP));
  }

  void store(std::size_t i, T v) { (void)exchange(i, v); }

  T exchange(std::size_t i, T v) {
    if (in_memory(i)) return ref(i).exchange(v);
    Guard g(guard_.get());
    return std::bit_cast<T>(fetch_op(i, std::bit_cast<Bits>(v), MPI_REPLACE));
  }

  /// Like std::atomic::compare_exchange_strong: on failure `expected` gets
  /// the value found. Floating-point values compare by their bits.
  bool compare_exchange(std::size_t i, T& expected, T desired) {
    if (in_memory(i)) return ref(i).compare_exchange_strong(expected, desired);
    Guard g(guard_.get());
    return rma_compare_exchange(i, expected, desired);
  }

  T fetch_add(std::size_t i, T v) {
    if (in_memory(i)) return ref(i).fetch_add(v);
    Guard g(guard_.get());
    if constexpr (std::is_integral_v<T>) {
      return fetch_op(i, v, MPI_SUM);
    } else {
      T old = load(i);
      while (!rma_compare_exchange(i, old, old + v)) {
      }
      return old;
    }
  }

 private:
  // Holds the guard word (if any) for one write.
  class Guard {
   public:
    explicit Guard(AtomicCells<std::int32_t>* guard) : guard_(guard) {
      if (!guard_) return;
      wait_until(
          [&] {
            std::int32_t expected = 0;
            return guard_->compare_exchange(0, expected, 1);
          },
          Deadline(std::nullopt, true, "AtomicCells guard"), guard_->progress_comm());
    }
    ~Guard() {
      if (guard_) guard_->store(0, 0);
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    AtomicCells<std::int32_t>* guard_;
  };

  // With the guard held when the cells are 8 bytes wide (see the top).
  bool rma_compare_exchange(std::size_t i, T& expected, T desired) {
    Bits want = std::bit_cast<Bits>(expected), in = std::bit_cast<Bits>(desired), out{};
    if (guard_) {
      out = fetch_op(i, Bits{}, MPI_NO_OP);
      if (out == want) out = fetch_op(i, in, MPI_REPLACE);
    } else {
      rma_compare_and_swap(&in, &want, &out, type(), sizeof(Bits), 0, disp(i), win_.native());
    }
    if (out == want) return true;
    expected = std::bit_cast<T>(out);
    return false;
  }

  // One MPI atomic with a fetch on cell i of rank 0 (see rma_atomic.hpp).
  Bits fetch_op(std::size_t i, Bits in, MPI_Op op) const {
    Bits out{};
    rma_fetch_and_op(&in, &out, type(), sizeof(Bits), 0, disp(i), op, win_.native());
    return out;
  }

  // Whether cell i is used in memory (see the top): on one node, and in a
  // simulated build after the round trip of an MPI atomic.
  bool in_memory([[maybe_unused]] std::size_t i) const {
#ifdef HMP_SMPI
    if (!single_node_) {
      Bits ignored{};
      HMP_MPI_CHECK(MPI_Fetch_and_op(nullptr, &ignored, type(), 0, disp(i), MPI_NO_OP, win_.native()));
      win_.flush(0);
    }
    return true;
#else
    return single_node_;
#endif
  }

  // The setting hmp::Runtime sets to "none" unless the user set it.
  static bool vader_single_copy_on() {
    const char* v = std::getenv("OMPI_MCA_btl_vader_single_copy_mechanism");
    return !v || std::string(v) != "none";
  }
  static MPI_Datatype type() { return mpi_integer_type<Bits>(); }
  std::atomic_ref<T> ref(std::size_t i) const { return std::atomic_ref<T>(cells_[i]); }
  static MPI_Aint disp(std::size_t i) { return static_cast<MPI_Aint>(i); }

  std::shared_ptr<const NodeGroups> groups_;
  std::size_t count_ = 0;
  int rank_ = 0;
  bool single_node_ = true;
  bool target_ = false;  // other nodes reach these cells by RMA on this rank
  T* cells_ = nullptr;
  Window win_;
  std::unique_ptr<AtomicCells<std::int32_t>> guard_;  // 8-byte cells across nodes only
};

}  // namespace hmp::detail
