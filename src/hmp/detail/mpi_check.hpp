// Turns an MPI return code into hmp::MpiError naming the call.
#pragma once

#include <hmp/errors.hpp>
#include <mpi.h>

#define HMP_MPI_CHECK(call)                                   \
  do {                                                        \
    const int hmp_mpi_rc_ = (call);                           \
    if (hmp_mpi_rc_ != MPI_SUCCESS) throw ::hmp::MpiError(#call, hmp_mpi_rc_); \
  } while (0)
