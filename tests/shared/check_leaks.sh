#!/usr/bin/env bash
# Nothing leaks: after a normal exit, an uncaught exception and another
# rank's abort, /dev/shm and Open MPI's session folders hold what they held
# before. usage: check_leaks.sh MPIRUN PROGRAM
set -u
mpirun=$1 program=$2
snapshot() {
  { ls -1 /dev/shm 2>/dev/null; find /tmp/ompi.* "${TMPDIR:-/tmp}"/ompi.* -mindepth 1 2>/dev/null; } | sort -u
}
fail() { echo "FAIL: $*"; exit 1; }
for mode in normal exception abort; do
  before=$(snapshot)
  out=$(timeout 60 "$mpirun" -np 2 --oversubscribe "$program" "$mode" 2>&1)
  rc=$?
  [ "$rc" -ne 124 ] || fail "$mode: the run hung"
  if [ "$mode" = normal ]; then [ "$rc" -eq 0 ] || fail "$mode: exit $rc: $out"; else [ "$rc" -ne 0 ] || fail "$mode: exit 0"; fi
  [ "$(echo "$out" | grep -c '^created hmp-leak-')" -eq 2 ] || fail "$mode: the segments were not made: $out"
  sleep 1  # let mpirun finish removing its session files
  after=$(snapshot)
  new=$(comm -13 <(echo "$before") <(echo "$after"))
  [ -z "$new" ] || fail "$mode: left behind: $new"
  echo "ok: $mode (exit $rc): nothing left behind"
done
echo "$out" | grep -q "uncaught on another rank" || fail "abort: the aborting rank's message is missing"
echo PASS
