#!/usr/bin/env bash
# The main job's study: run jobs/studies/smoke.json (every workload, ranks
# 1-2 x threads 1-2 within this machine's cores) locally with the sweep, then
# the analysis into results/<study>/report, and say where the report is.
#   jobs/main.sh [STUDY.json | --study NAME [--full]] [sweep local options,
#                e.g. --allow-oversubscribe]
# --study NAME runs jobs/studies/NAME.json (e.g. --study tutorial: the
# tutorial's figures); --full its NAME-full.json (the full sizes, hours).
# Records: $HMP_RESULTS (default <repo>/results)/<study>/. Resumes: rerun it
# and only missing or failed configurations run. Needs the apps built
# (scripts/main.sh builds them). Exit: the sweep's status (1 if some
# configuration failed; the report still lists it), 2 bad study.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
study=$root/jobs/studies/smoke.json
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then study=$1; shift; fi
full=0
while [ $# -gt 0 ]; do
  case $1 in
    --study)
      name=${2:-}
      # Cluster studies ("nodes": whole nodes, many of them) are Slurm's;
      # simulated ones ("simulated": a described cluster) SimGrid's.
      local_studies=$(cd "$root/jobs/studies" && grep -LE '"nodes" *: *\[|"simulated" *:' *.json | sed 's/\.json$//' | grep -v -- '-full$' | paste -sd ' ')
      if ! [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || [ ! -f "$root/jobs/studies/$name.json" ]; then
        echo "jobs/main.sh: --study '$name': allowed: $local_studies" >&2
        exit 2
      fi
      if grep -qE '"nodes" *: *\[' "$root/jobs/studies/$name.json"; then
        echo "jobs/main.sh: --study '$name': a cluster study, for Slurm: jobs/sweep slurm jobs/studies/$name.json; allowed here: $local_studies" >&2
        exit 2
      fi
      if grep -qE '"simulated" *:' "$root/jobs/studies/$name.json"; then
        echo "jobs/main.sh: --study '$name': a simulated study, for SimGrid's smpirun: jobs/sweep simulate jobs/studies/$name.json; allowed here: $local_studies" >&2
        exit 2
      fi
      study=$root/jobs/studies/$name.json
      shift 2 ;;
    --full) full=1; shift ;;
    *) break ;;
  esac
done
if [ "$full" = 1 ]; then
  [ -f "${study%.json}-full.json" ] || { echo "jobs/main.sh: --full: no ${study%.json}-full.json beside $study" >&2; exit 2; }
  study=${study%.json}-full.json
fi
results=${HMP_RESULTS:-$root/results}
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# The tools installed by the set-up (scripts/setup.sh exports HMP_TOOLS_BIN),
# else this source tree's.
sweep=$root/jobs/sweep report=$root/analysis/hmp-report
if [ -n "${HMP_TOOLS_BIN:-}" ]; then sweep=$HMP_TOOLS_BIN/hmp-sweep report=$HMP_TOOLS_BIN/hmp-report; fi

status=0
echo "main: running the study $study (one line per configuration, with the time left)"
"$sweep" local "$study" --results "$results" "$@" || status=$?
# 1 = some configuration failed: still report (failures are listed there).
[ "$status" -le 1 ] || exit "$status"
# A dry run ran nothing: nothing to report.
for arg in "$@"; do [ "$arg" != --dry-run ] || exit "$status"; done

# The sweep validated the name ([A-Za-z0-9][A-Za-z0-9._-]*) before running.
name=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$study")
echo "main: writing the report of $name"
"$report" --progress --out "$results/$name/report" "$results/$name"
exit "$status"
