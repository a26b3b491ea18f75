#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/mpi_finalized.hpp>
#include <hmp/detail/window.hpp>

#include <limits>

namespace hmp::detail {

namespace {
MPI_Aint to_aint(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<MPI_Aint>::max()))
    throw UsageError("window of " + std::to_string(bytes) + " bytes is larger than MPI can address");
  return static_cast<MPI_Aint>(bytes);
}
}  // namespace

Window Window::allocate_shared(const Communicator& comm, std::size_t bytes, int disp_unit,
                               void** base) {
  MPI_Win win = MPI_WIN_NULL;
  HMP_MPI_CHECK(MPI_Win_allocate_shared(to_aint(bytes), disp_unit, MPI_INFO_NULL, comm.native(),
                                        base, &win));
  Window w(win);
  // Errors come back as codes that HMP_MPI_CHECK turns into exceptions.
  HMP_MPI_CHECK(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
  return w;
}

Window Window::allocate(const Communicator& comm, std::size_t bytes, int disp_unit, void** base) {
  MPI_Win win = MPI_WIN_NULL;
  HMP_MPI_CHECK(MPI_Win_allocate(to_aint(bytes), disp_unit, MPI_INFO_NULL, comm.native(), base, &win));
  Window w(win);
  HMP_MPI_CHECK(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
  return w;
}

Window Window::create(const Communicator& comm, void* base, std::size_t bytes, int disp_unit) {
  MPI_Win win = MPI_WIN_NULL;
  HMP_MPI_CHECK(MPI_Win_create(bytes ? base : nullptr, to_aint(bytes), disp_unit, MPI_INFO_NULL, comm.native(), &win));
  Window w(win);
  HMP_MPI_CHECK(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
  return w;
}

void Window::lock_all() {
  if (locked_ != kUnlocked) return;
  HMP_MPI_CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_));
  locked_ = kAllLocked;
}

void Window::lock(int rank) {
  if (locked_ != kUnlocked) return;
  HMP_MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, rank, MPI_MODE_NOCHECK, win_));
  locked_ = rank;
}

void Window::sync() const { HMP_MPI_CHECK(MPI_Win_sync(win_)); }

void Window::flush(int rank) const { HMP_MPI_CHECK(MPI_Win_flush(rank, win_)); }

void* Window::shared_query(int rank, std::size_t* bytes) const {
  MPI_Aint size = 0;
  int disp = 0;
  void* base = nullptr;
  HMP_MPI_CHECK(MPI_Win_shared_query(win_, rank, &size, &disp, &base));
  if (bytes) *bytes = static_cast<std::size_t>(size);
  return base;
}

void Window::reset() noexcept {
  if (win_ != MPI_WIN_NULL && !mpi_finalized()) {
    if (locked_ == kAllLocked) MPI_Win_unlock_all(win_);
    if (locked_ >= 0) MPI_Win_unlock(locked_, win_);
    MPI_Win_free(&win_);
  }
  win_ = MPI_WIN_NULL;
  locked_ = kUnlocked;
}

}  // namespace hmp::detail
