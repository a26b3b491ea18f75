#include <hmp/detail/mpi_finalized.hpp>

#include <mpi.h>

namespace hmp::detail {

namespace {
bool g_finalized = false;  // per process; per simulated rank under SMPI (privatized)
}  // namespace

bool mpi_finalized() noexcept {
  if (g_finalized) return true;
  int finalized = 0;
  MPI_Finalized(&finalized);
  return finalized != 0;
}

void note_mpi_finalized() noexcept { g_finalized = true; }

}  // namespace hmp::detail
