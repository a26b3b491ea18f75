// Whether this rank's MPI is over, for destructors that free MPI objects.
#pragma once

namespace hmp::detail {

/// MPI_Finalized, or the Runtime has finalized MPI. Under SimGrid's SMPI a
/// rank's statics are destroyed after its simulated process has ended, when
/// any MPI call (MPI_Finalized too) crashes: the Runtime's note answers then.
bool mpi_finalized() noexcept;
/// Called by the Runtime right before MPI_Finalize.
void note_mpi_finalized() noexcept;

}  // namespace hmp::detail
