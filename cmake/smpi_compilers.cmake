# -DHMP_SMPI=ON: build for SimGrid's SMPI, which runs every rank of an MPI
# job as a thread of one simulator process and replays time on a described
# platform (jobs/platforms/). Included before project(): the compilers are
# SimGrid's wrappers, which add SMPI's mpi.h, link libsimgrid and build each
# program as a shared object that smpirun loads once per rank.
find_program(HMP_SMPICC smpicc)
find_program(HMP_SMPICXX smpicxx)
find_program(HMP_SMPIRUN smpirun)
if(NOT HMP_SMPICC OR NOT HMP_SMPICXX OR NOT HMP_SMPIRUN)
  message(FATAL_ERROR "HMP_SMPI=ON needs SimGrid's smpicc, smpicxx and smpirun (Debian: apt-get install libsimgrid-dev)")
endif()
if(DEFINED CMAKE_CXX_COMPILER AND NOT CMAKE_CXX_COMPILER STREQUAL HMP_SMPICXX)
  message(FATAL_ERROR "HMP_SMPI=ON builds with ${HMP_SMPICXX}, but this folder was configured with ${CMAKE_CXX_COMPILER}: use a build folder of its own")
endif()
set(CMAKE_C_COMPILER ${HMP_SMPICC})
set(CMAKE_CXX_COMPILER ${HMP_SMPICXX})
