#!/usr/bin/env bash
# Run a study on this workstation: every configuration under mpirun, one
# after the other, resuming where a previous run stopped.
#   jobs/local/run-study.sh [STUDY] [--allow-oversubscribe] [--results DIR] [--dry-run]
# STUDY defaults to jobs/studies/smoke.json; records go to results/<study>/.
# Refuses layouts with more ranks x threads than cores unless
# --allow-oversubscribe. Same as `jobs/sweep local`; see docs/jobs.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
study=$root/jobs/studies/smoke.json
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then study=$1; shift; fi
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
exec "$root/jobs/sweep" local "$study" "$@"
