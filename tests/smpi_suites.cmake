# The simulated build (-DHMP_SMPI=ON): every MPI suite runs under SimGrid's
# smpirun at HMP_SMPI_TEST_RANKS ranks, HMP_SMPI_TEST_RANKS_PER_HOST to a
# host of jobs/platforms/ethernet-64.xml (64 ranks: 16 simulated nodes).
# The other tests (apps, jobs, analysis, docs) belong to the regular build.
set(HMP_SMPI_TEST_RANKS 64 CACHE STRING "ranks every MPI suite runs at in the simulated build")
set(HMP_SMPI_TEST_RANKS_PER_HOST 4 CACHE STRING "simulated ranks per simulated host")
set(HMP_SMPI_TEST_PLATFORM ${PROJECT_SOURCE_DIR}/jobs/platforms/ethernet-64.xml)

function(hmp_add_mpi_suite name)
  cmake_parse_arguments(S "" "TIMEOUT;THREADS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${S_SOURCES})
  # Whole: a program here is a shared object, and nothing in it asks for
  # the archive's main() (smpirun looks it up by name).
  target_link_libraries(${name} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,hmp_gtest_main>" ${S_LIBS})
  set(test ${name}.smpi${HMP_SMPI_TEST_RANKS})
  add_test(NAME ${test}
           COMMAND /usr/bin/python3 -m hmp_tools.sweep.smpi --platform ${HMP_SMPI_TEST_PLATFORM}
                   --np ${HMP_SMPI_TEST_RANKS} --ranks-per-host ${HMP_SMPI_TEST_RANKS_PER_HOST}
                   $<TARGET_FILE:${name}>)
  set_tests_properties(${test} PROPERTIES TIMEOUT 300 LABELS smpi
    ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/python;PYTHONDONTWRITEBYTECODE=1;HMP_WAIT_TIMEOUT=60")
endfunction()

foreach(area core pool shared process)
  add_subdirectory(${area})
endforeach()
