// RAII owner of an MPI window (MPI_Win). Internal: hmp's public types hold one
// and never let the handle escape except through an explicit native().
#pragma once

#include <hmp/communicator.hpp>

#include <mpi.h>

#include <cstddef>
#include <utility>

namespace hmp::detail {

/// Move-only. Freeing a window is collective (MPI_Win_free), so every rank of
/// its communicator must destroy it at the same point of the program, as with
/// any collective; after MPI_Finalize nothing is freed.
class Window {
 public:
  Window() = default;
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;
  Window(Window&& other) noexcept { swap(other); }
  Window& operator=(Window&& other) noexcept {
    Window tmp(std::move(other));
    swap(tmp);
    return *this;
  }
  ~Window() { reset(); }

  /// MPI_Win_allocate_shared on `comm` (collective; all ranks must share
  /// memory). `bytes` is this rank's part; `*base` gets its address.
  static Window allocate_shared(const Communicator& comm, std::size_t bytes, int disp_unit,
                                void** base);
  /// MPI_Win_allocate on `comm` (collective): memory for RMA from any rank.
  static Window allocate(const Communicator& comm, std::size_t bytes, int disp_unit, void** base);
  /// MPI_Win_create on `comm` (collective) over memory the caller keeps
  /// (`bytes` at `base`, 0 for none) for the window's life.
  static Window create(const Communicator& comm, void* base, std::size_t bytes, int disp_unit);

  /// Opens one passive-target epoch to every rank for the window's whole
  /// life (MPI_Win_lock_all with MPI_MODE_NOCHECK). Inside it RMA atomics,
  /// MPI_Win_flush and MPI_Win_sync are legal at any time; it is closed by
  /// reset(). Windows are made once, never per operation.
  void lock_all();
  /// The same to one rank only (MPI_Win_lock, shared, MPI_MODE_NOCHECK):
  /// for windows whose RMA all aims at `rank`. SMPI locks every rank one by
  /// one for lock_all and unlocks them in time quadratic in the ranks.
  void lock(int rank);
  /// MPI_Win_sync: a memory barrier between this rank's loads/stores and the
  /// window (the public and private copies agree afterwards).
  void sync() const;
  /// MPI_Win_flush(rank): completes this rank's RMA operations to `rank`.
  void flush(int rank) const;
  /// Address and size of `rank`'s part of a shared window (MPI_Win_shared_query).
  void* shared_query(int rank, std::size_t* bytes = nullptr) const;

  MPI_Win native() const noexcept { return win_; }
  bool valid() const noexcept { return win_ != MPI_WIN_NULL; }
  void reset() noexcept;

 private:
  explicit Window(MPI_Win win) : win_(win) {}
  void swap(Window& o) noexcept {
    std::swap(win_, o.win_);
    std::swap(locked_, o.locked_);
  }
  static constexpr int kUnlocked = -2, kAllLocked = -1;
  MPI_Win win_ = MPI_WIN_NULL;
  int locked_ = kUnlocked;  ///< kAllLocked, the one rank locked, or kUnlocked
};

}  // namespace hmp::detail
