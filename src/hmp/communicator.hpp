// RAII owner of an MPI communicator.
#pragma once

#include <mpi.h>

#include <utility>

namespace hmp {

/// A communicator hmp created (and frees) or borrowed (MPI_COMM_WORLD).
/// Move-only. A null communicator (rank not a member) has `valid() == false`.
class Communicator {
 public:
  Communicator() = default;
  /// Wraps `comm`; frees it at destruction when `owned`.
  Communicator(MPI_Comm comm, bool owned) : comm_(comm), owned_(owned) {}
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  Communicator(Communicator&& other) noexcept { swap(other); }
  Communicator& operator=(Communicator&& other) noexcept {
    Communicator tmp(std::move(other));
    swap(tmp);
    return *this;
  }
  ~Communicator() { reset(); }

  /// Duplicate (collective): a private context for a library object, so its
  /// messages never match a user's.
  Communicator dup() const;
  /// Split by colour (collective); MPI_UNDEFINED gives a null communicator.
  Communicator split(int color, int key) const;

  bool valid() const noexcept { return comm_ != MPI_COMM_NULL; }
  int rank() const;
  int size() const;
  void barrier() const;
  /// The raw handle, for users who call MPI themselves; it stays owned here.
  MPI_Comm native() const noexcept { return comm_; }

  void reset() noexcept;

 private:
  void swap(Communicator& o) noexcept {
    std::swap(comm_, o.comm_);
    std::swap(owned_, o.owned_);
  }
  MPI_Comm comm_ = MPI_COMM_NULL;
  bool owned_ = false;
};

}  // namespace hmp
