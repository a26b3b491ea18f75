#include <hmp/detail/counter_window.hpp>
#include <hmp/detail/mpi_check.hpp>

#include <atomic>

namespace hmp::detail {

CounterWindow::CounterWindow(const Communicator& comm, int count, int root, bool same_node) : root_(root) {
  const bool is_root = comm.rank() == root;
  const MPI_Aint bytes = is_root ? static_cast<MPI_Aint>(count) * 8 : 0;
  void* base = nullptr;
  if (same_node) {
    HMP_MPI_CHECK(MPI_Win_allocate_shared(bytes, 8, MPI_INFO_NULL, comm.native(), &base, &win_));
    MPI_Aint size = 0;
    int disp = 0;
    HMP_MPI_CHECK(MPI_Win_shared_query(win_, root, &size, &disp, &base));
    local_ = static_cast<std::uint64_t*>(base);
    if (is_root)
      for (int i = 0; i < count; ++i) std::atomic_ref<std::uint64_t>(local_[i]).store(0);
    comm.barrier();
  } else {
    HMP_MPI_CHECK(MPI_Win_allocate(bytes, 8, MPI_INFO_NULL, comm.native(), &base, &win_));
    if (is_root)
      for (int i = 0; i < count; ++i) static_cast<std::uint64_t*>(base)[i] = 0;
    comm.barrier();
    // One passive-target epoch for the window's whole life: every operation
    // is then a single atomic call plus a flush.
    HMP_MPI_CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_));
  }
}

CounterWindow::~CounterWindow() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized || win_ == MPI_WIN_NULL) return;
  if (!local_) MPI_Win_unlock_all(win_);
  MPI_Win_free(&win_);
}

std::uint64_t CounterWindow::rma_fetch_add(int slot, std::uint64_t value) {
  std::uint64_t old = 0;
  HMP_MPI_CHECK(MPI_Fetch_and_op(&value, &old, MPI_UINT64_T, root_, slot, MPI_SUM, win_));
  HMP_MPI_CHECK(MPI_Win_flush(root_, win_));
  return old;
}

std::uint64_t CounterWindow::rma_load(int slot) {
  std::uint64_t old = 0, none = 0;
  HMP_MPI_CHECK(MPI_Fetch_and_op(&none, &old, MPI_UINT64_T, root_, slot, MPI_NO_OP, win_));
  HMP_MPI_CHECK(MPI_Win_flush(root_, win_));
  return old;
}

std::uint64_t CounterWindow::rma_compare_exchange(int slot, std::uint64_t expected, std::uint64_t desired) {
  std::uint64_t seen = 0;
  HMP_MPI_CHECK(MPI_Compare_and_swap(&desired, &expected, &seen, MPI_UINT64_T, root_, slot, win_));
  HMP_MPI_CHECK(MPI_Win_flush(root_, win_));
  return seen;
}

}  // namespace hmp::detail
