#!/usr/bin/env bash
# A rank that throws must end the whole job promptly, naming itself.
# usage: check_abort.sh MPIRUN PROGRAM
set -u
mpirun=$1 program=$2
log=$(mktemp); trap 'rm -f "$log"' EXIT
start=$(date +%s)
timeout 60 "$mpirun" -np 2 --oversubscribe "$program" >"$log" 2>&1
rc=$? elapsed=$(( $(date +%s) - start ))
cat "$log"
[ "$rc" -ne 0 ] || { echo "FAIL: exit code 0, expected non-zero"; exit 1; }
[ "$rc" -ne 124 ] || { echo "FAIL: job hung (killed by timeout after 60 s)"; exit 1; }
[ "$elapsed" -le 20 ] || { echo "FAIL: took ${elapsed}s to end"; exit 1; }
grep -q "rank 1: uncaught exception std::runtime_error: deliberate failure on rank 1" "$log" ||
  { echo "FAIL: message naming rank 1 and the exception not found"; exit 1; }
echo "PASS: exit $rc after ${elapsed}s with the message"
