#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then CTest (MPI suites at
# 1-4 ranks and simulated nodes, app, jobs and analysis tests), then the quick
# simulated suite (SimGrid's SMPI, docs/scaling.md) in its own build folder.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# The simulated build: its own folder (compilers smpicc/smpicxx), only what
# the quick suite runs (target hmp_smpi_quick). Built here, not in setup.sh:
# the main job does not need it.
HMP_SMPI_BUILD_DIR=${HMP_SMPI_BUILD_DIR:-$HMP_ROOT/build-smpi}
smpi=""
if command -v smpicxx >/dev/null && command -v smpirun >/dev/null; then
  smpi=yes
  echo "test: configuring and building the simulated suite in $HMP_SMPI_BUILD_DIR (SimGrid's smpicxx)"
  cmake -S "$HMP_ROOT" -B "$HMP_SMPI_BUILD_DIR" -DHMP_SMPI=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
  build_with_progress "$HMP_SMPI_BUILD_DIR" "test: [simulated]" --target hmp_smpi_quick
else
  echo "test: SimGrid's smpicxx/smpirun not found: the simulated suite is skipped (apt-get install libsimgrid-dev)"
fi

status=0
cd "$HMP_BUILD_DIR"
# One test at a time: the MPI suites oversubscribe the cores on their own.
ctest --output-on-failure --timeout 900 "$@" || status=$?
if [ -n "$smpi" ]; then
  echo "test: the quick simulated suite (ctest -L smpi_quick in $HMP_SMPI_BUILD_DIR)"
  (cd "$HMP_SMPI_BUILD_DIR" && ctest --output-on-failure -L smpi_quick "$@") || status=$?
fi
exit "$status"
