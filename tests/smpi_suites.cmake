# The simulated build (-DHMP_SMPI=ON): every MPI suite runs under SimGrid's
# smpirun at HMP_SMPI_TEST_RANKS ranks, HMP_SMPI_TEST_RANKS_PER_HOST to a
# host of jobs/platforms/ethernet-64.xml (64 ranks: 16 simulated nodes).
# The other tests (apps, jobs, analysis, docs) belong to the regular build.
set(HMP_SMPI_TEST_RANKS 64 CACHE STRING "ranks every MPI suite runs at in the simulated build")
set(HMP_SMPI_TEST_RANKS_PER_HOST 4 CACHE STRING "simulated ranks per simulated host")
set(HMP_SMPI_TEST_PLATFORM ${PROJECT_SOURCE_DIR}/jobs/platforms/ethernet-64.xml)
# The quick simulated suite of the README's test command (scripts/test.sh
# builds the target hmp_smpi_quick and runs `ctest -L smpi_quick`): every
# suite at HMP_SMPI_QUICK_RANKS ranks (4 simulated nodes), the suites of
# HMP_SMPI_QUICK_AT_FULL also at HMP_SMPI_TEST_RANKS (16 nodes), and a
# simulated study end to end: 60-80 s on 2 busy cores (docs/scaling.md).
# The rest at HMP_SMPI_TEST_RANKS (test_call_schedules alone takes 150 s)
# run with `ctest -L smpi`.
set(HMP_SMPI_QUICK_RANKS 16 CACHE STRING "ranks every suite runs at in the quick simulated suite")
set(HMP_SMPI_QUICK_AT_FULL test_runtime test_pool_values test_pool_errors test_pool_processes
    test_pool_imap_stream test_shared_array test_shared_memory test_atomic_cells
    CACHE STRING "suites the quick simulated suite also runs at HMP_SMPI_TEST_RANKS")
set(HMP_SMPI_ENV "PYTHONPATH=${PROJECT_SOURCE_DIR}/python;PYTHONDONTWRITEBYTECODE=1;HMP_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
add_custom_target(hmp_smpi_quick)

# hmp_smpi_test(SUITE RANKS TIMEOUT LABELS...): SUITE under smpirun at RANKS.
function(hmp_smpi_test name ranks timeout)
  set(test ${name}.smpi${ranks})
  add_test(NAME ${test}
           COMMAND /usr/bin/python3 -m hmp_tools.sweep.smpi --platform ${HMP_SMPI_TEST_PLATFORM}
                   --np ${ranks} --ranks-per-host ${HMP_SMPI_TEST_RANKS_PER_HOST}
                   $<TARGET_FILE:${name}>)
  set_tests_properties(${test} PROPERTIES TIMEOUT ${timeout} LABELS "${ARGN}"
    ENVIRONMENT "${HMP_SMPI_ENV};HMP_WAIT_TIMEOUT=60")
endfunction()

function(hmp_add_mpi_suite name)
  cmake_parse_arguments(S "" "TIMEOUT;THREADS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${S_SOURCES})
  # Whole: a program here is a shared object, and nothing in it asks for
  # the archive's main() (smpirun looks it up by name).
  target_link_libraries(${name} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,hmp_gtest_main>" ${S_LIBS})
  add_dependencies(hmp_smpi_quick ${name})
  # Timeouts: at least 5x what each takes here (the slowest, test_call_schedules,
  # 23 s at 16 ranks and 150 s at 64, on 2 busy cores).
  hmp_smpi_test(${name} ${HMP_SMPI_QUICK_RANKS} 240 smpi smpi_quick)
  if(name IN_LIST HMP_SMPI_QUICK_AT_FULL)
    hmp_smpi_test(${name} ${HMP_SMPI_TEST_RANKS} 900 smpi smpi_quick)
  else()
    hmp_smpi_test(${name} ${HMP_SMPI_TEST_RANKS} 900 smpi)
  endif()
endfunction()

foreach(area core pool shared process)
  add_subdirectory(${area})
endforeach()

# A simulated study end to end: hmp-sweep simulate on a tiny study of
# hmp-bench-scale, its records, hmp-report's tables/simulated_scaling.csv;
# bad simulated studies (exit 2, one line).
add_dependencies(hmp_smpi_quick hmp-bench-scale)
add_test(NAME smpi.study
         COMMAND /usr/bin/python3 -m pytest -q ${CMAKE_CURRENT_SOURCE_DIR}/smpi/test_simulated_study.py
                 --arg=$<TARGET_FILE_DIR:hmp-bench-scale>
         WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
set_tests_properties(smpi.study PROPERTIES TIMEOUT 600 LABELS "smpi;smpi_quick" ENVIRONMENT "${HMP_SMPI_ENV}")
