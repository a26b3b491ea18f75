// One MPI atomic on a cell that ranks of other nodes reach by RMA, waited
// for by polling instead of inside MPI_Win_flush (see atomic_cells.hpp).
//
// Why: over TCP (osc pt2pt) the answer comes only when the target rank
// enters MPI, and MPI_Win_flush spins in MPI until then. On a machine with
// more runnable processes than cores, every rank spinning in a flush takes
// the core its target needs: measured on two fake hosts on 2 cores (4 ranks
// doing fetch-and-add), 0.75-7.7 ms an operation with the flush against
// 0.35-0.6 ms with MPI_Rget_accumulate polled and a short sleep between
// polls (a sleeping rank is run as soon as its timer fires).
#pragma once

#include <mpi.h>

#include <cstddef>

namespace hmp::detail {

/// MPI_Rget_accumulate of one element of `type` (`size` bytes, at most 8)
/// with `op` (MPI_SUM, MPI_REPLACE or MPI_NO_OP) on cell `disp` of rank
/// `target`'s part of `win`, in a passive-target epoch the caller holds:
/// `*out` gets the cell's value before the operation, which is done at the
/// target when this returns. Waits by polling MPI_Test with short sleeps;
/// after the wait limit (HMP_WAIT_TIMEOUT, 600 s unless set) throws
/// TimeoutError naming this rank and the target.
void rma_fetch_and_op(const void* in, void* out, MPI_Datatype type, std::size_t size, int target, MPI_Aint disp,
                      MPI_Op op, MPI_Win win);

/// MPI_Compare_and_swap of one element likewise: `*out` gets the cell's
/// value before, and `*desired` was written if it equalled `*expected`.
/// MPI has no request-based compare-and-swap, and MPI_Win_flush spins in
/// MPI until the target answers; so a polled MPI_NO_OP fetch of the same
/// cell follows it (accumulate operations of one origin on one cell are
/// done in order: MPI's default accumulate_ordering), and the flush comes
/// only once that fetch is back, when the swap's answer is here too.
void rma_compare_and_swap(const void* desired, const void* expected, void* out, MPI_Datatype type, std::size_t size,
                          int target, MPI_Aint disp, MPI_Win win);

}  // namespace hmp::detail
