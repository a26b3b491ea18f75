#!/usr/bin/env bash
# hmp-info on 2 separate hosts x 2 ranks (run through fake_hosts.sh run):
# one row per host with its 2 ranks, and TCP named as the transport between
# hosts. The hosts expected come from `hostname` run by the same mpirun.
# usage: check_hmp_info_hosts.sh MPIRUN HMP_INFO
set -u
mpirun=$1 info=$2
fail() { echo "FAIL: $*"; exit 1; }
hosts=$(timeout 60 "$mpirun" -np 4 hostname | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd ' ')
[ "$(echo "$hosts" | wc -w)" -eq 2 ] || fail "expected ranks on 2 hosts, hostname says: $hosts"
out=$(OMP_NUM_THREADS=1 timeout 60 "$mpirun" -np 4 "$info" 2>&1) || fail "hmp-info failed: $out"
echo "$out"
echo "$out" | grep -q '^hmp-info: 4 ranks on 2 nodes' || fail "header: expected 4 ranks on 2 nodes"
for pair in $hosts; do
  host=${pair%=*} count=${pair#*=}
  echo "$out" | grep -Eq "^$host +$count +[0-9]+-[0-9]+ +[0-9]+ +[^ ]" ||
    fail "no host row '$host' with $count ranks, its world ranks, cores and binding"
done
echo "$out" | grep -q '^transport: within a host: pml ob1, btl [a-z,]*vader[a-z,]*; between hosts: pml ob1, btl tcp; one-sided: osc setting' ||
  fail "transport: expected vader within a host and tcp between hosts"
echo "PASS"
