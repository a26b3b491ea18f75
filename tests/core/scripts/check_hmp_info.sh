#!/usr/bin/env bash
# hmp-info must flag 2 ranks x 2 threads on 2 cores, and nothing at 2 x 1.
# usage: check_hmp_info.sh MPIRUN HMP_INFO
set -u
mpirun=$1 info=$2
fail() { echo "FAIL: $*"; exit 1; }
cores=$(nproc)
[ "$cores" -eq 2 ] || { echo "SKIP: this check is written for a 2-core machine (have $cores)"; exit 0; }
out=$(OMP_NUM_THREADS=2 timeout 60 "$mpirun" -np 2 --bind-to core "$info") || fail "hmp-info 2x2 failed: $out"
echo "$out"
echo "$out" | grep -q '^warnings: .*oversubscribed: .* 2 ranks with 4 threads in all on 2 cores' ||
  fail "2 ranks x 2 threads: oversubscription not reported"
[ "$(echo "$out" | grep -c '^[0-9]')" -eq 2 ] || fail "expected one table row per rank"
echo "$out" | grep -q 'thread level MPI_THREAD_FUNNELED asked, MPI_THREAD_[A-Z]* provided' ||
  fail "thread levels asked for and provided not reported"
out=$(OMP_NUM_THREADS=1 timeout 60 "$mpirun" -np 2 --bind-to core "$info") || fail "hmp-info 2x1 failed: $out"
echo "$out"
echo "$out" | grep -qx 'warnings: none' || fail "2 ranks x 1 thread: expected 'warnings: none'"
echo "$out" | grep -Eq "^$(hostname) +2 +0-1 +$cores +0:0 1:1$" || fail "host row: expected 2 ranks bound to cores 0 and 1"
echo "$out" | grep -q '^transport: within a host: pml ob1, btl [a-z,]*vader' || fail "transport within the host not reported"
echo "$out" | grep -q 'between hosts' && fail "one host: no transport between hosts expected"
out=$(OMP_NUM_THREADS=1 timeout 60 "$mpirun" -np 2 --bind-to none "$info") || fail "hmp-info unbound failed"
echo "$out" | grep -q 'threads left unbound' || fail "unbound ranks not reported"
echo "PASS"
