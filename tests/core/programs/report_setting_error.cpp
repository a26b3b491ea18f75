// Makes the Runtime and prints, on each rank, the SettingError it threw:
// "rank R: <text>", and whether MPI was finalized by then. Exit 0 when it
// threw one, 1 when the Runtime started (tests/core/scripts/check_setting_error.py
// runs it with bad settings on some ranks only).
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>

#include <mpi.h>

#include <cstdio>

int main(int argc, char** argv) {
  try {
    hmp::Runtime rt(argc, argv);
    std::printf("rank %d: started\n", rt.rank());
    return 1;
  } catch (const hmp::SettingError& e) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    std::printf("rank %d%s: %s\n", e.world_rank(), finalized ? "" : " (MPI still running)", e.what());
    return 0;
  }
}
