#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then CTest (MPI suites at
# 1-4 ranks and simulated nodes, app, jobs and analysis tests).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$HMP_BUILD_DIR"
# One test at a time: the MPI suites oversubscribe the cores on their own.
ctest --output-on-failure --timeout 900 "$@"
