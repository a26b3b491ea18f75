#!/usr/bin/env bash
# Nothing leaks: after a normal exit, an uncaught exception (on root, on
# another rank), SIGTERM to mpirun mid-map and kill -9 of a rank mid-map,
# this job left nothing in /dev/shm or Open MPI's session folder, at 1, 2
# and 4 ranks on 2 simulated nodes. When the rank's watcher is killed too,
# `hmp-info --clean` removes what is left.
# usage: check_leaks.sh MPIRUN FAULT_JOB HMP_INFO
set -u
. "$(dirname "$0")/fault_lib.sh"
mpirun=$1 program=$2 info=$3
failed=0
for layout in "1 0" "2 0" "4 2"; do
  read -r np sim <<<"$layout"
  for fault in normal "exception:0" "exception:$((np - 1))" sigterm kill9 taskerror timeout; do
    fault_run "$mpirun" "$program" "$np" "$sim" "$fault"
    what="np=$np sim=$sim $fault (exit $RUN_RC)"
    if [ "$RUN_HUNG" = 1 ]; then echo "FAIL: $what: hung"; failed=1; continue; fi
    if [ -n "$RUN_WRONG" ]; then echo "FAIL: $what: $RUN_WRONG"; echo "$RUN_OUT" | tail -5; failed=1; fi
    if [ -n "$RUN_LEFT" ]; then echo "FAIL: $what: left behind: $RUN_LEFT"; failed=1; else echo "ok: $what: nothing left"; fi
  done
done
fault_run "$mpirun" "$program" 1 0 kill9-watcher  # one rank: no other watcher cleans up
if [ -n "$RUN_WRONG" ]; then
  echo "FAIL: kill9-watcher: $RUN_WRONG"; failed=1
elif ! echo "$RUN_LEFT" | grep -q -- '-r0$'; then
  # Any hmp start removes the segments of ended processes: another job on
  # this machine was first. What matters holds: nothing is left.
  echo "ok: kill9-watcher: another hmp start removed what the killed rank left (hmp-info --clean not needed)"
else
  segment=$(echo "$RUN_LEFT" | grep -- '-r0$' | xargs basename)
  there=$([ -e "/dev/shm/$segment" ] && echo 1 || echo 0)  # another hmp start may have been first
  cleaned=$("$mpirun" -np 1 "$info" --clean 2>&1)
  if [ -e "/dev/shm/$segment" ] || [ -e "/dev/shm/hmp-owner.$segment" ] ||
     { [ "$there" = 1 ] && ! echo "$cleaned" | grep -q -- "$segment"; }; then
    echo "FAIL: hmp-info --clean did not remove $segment: $cleaned"; failed=1
  else
    echo "ok: hmp-info --clean removed $segment, left by a rank killed with its watcher"
  fi
fi
[ "$failed" = 0 ] && echo PASS || exit 1
