#!/usr/bin/env bash
# kill -9 of a rank on the second of 2 separate hosts (run under
# tests/support/fake_hosts.sh run): the whole job must end within 10 s, no
# process of it may stay, and no segment it made may stay in /dev/shm of
# either host (each host has its own; looked at from inside the host).
# usage: check_kill_on_hosts.sh MPIRUN FAULT_JOB
set -u
. "$(dirname "$0")/fault_lib.sh"
mpirun=$1 program=$2
fail() { echo "FAIL: $*"; [ -n "${out:-}" ] && tail -20 "$out"; exit 1; }
[ -n "${FAKE_HOSTS_HOSTFILE:-}" ] && [ -n "${OMPI_MCA_plm_rsh_agent:-}" ] ||
  fail "not on fake hosts (FAKE_HOSTS_HOSTFILE, OMPI_MCA_plm_rsh_agent unset)"
mapfile -t hosts < <(awk '{print $1}' "$FAKE_HOSTS_HOSTFILE")
[ "${#hosts[@]}" -eq 2 ] || fail "expected 2 hosts in $FAKE_HOSTS_HOSTFILE"
read -r -a agent <<<"$OMPI_MCA_plm_rsh_agent"   # nsrsh --state DIR: runs a command on a host
shm_of_hosts() {
  local h
  for h in "${hosts[@]}"; do "${agent[@]}" "$h" ls -1 /dev/shm | sed "s|^|$h:/dev/shm/|"; done | sort
}

before=$(shm_of_hosts)
out=$(mktemp)
OMP_NUM_THREADS=1 timeout -s KILL 60 "$mpirun" -np 4 "$program" hang >"$out" 2>&1 &
job=$!
fault_wait_for "$out" '^mapping' 50 || fail "the job did not start mapping"
victim=$(awk '$1 == "pid" && $2 == 3 {print $3}' "$out")
pids=$(awk '$1 == "pid" {print $3}' "$out")
host=$(nsenter -t "$victim" -u hostname) || fail "rank 3 (pid $victim) is gone before the kill"
[ "$host" = "${hosts[1]}" ] || fail "rank 3 runs on $host, expected the second host ${hosts[1]}"
read -r _ id mpirun_pid tag <<<"$(grep -m1 '^job ' "$out")"
[ -n "${tag:-}" ] || fail "no job line"
during=$(shm_of_hosts | fault_job_files "$id" "$mpirun_pid" "$tag")
for h in "${hosts[@]}"; do  # the check below must have something to miss
  echo "$during" | grep -q "^$h:/dev/shm/.*$tag" || fail "no segment of the job seen in /dev/shm on $h: $during"
done
kill -KILL "$victim"
running() {  # the job's mpirun and ranks still alive
  local p
  for p in "$job" $pids; do
    [ -e "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && echo "$p"
  done
}
for ((tenth = 0; tenth < 100; ++tenth)); do
  [ -z "$(running)" ] && break
  sleep 0.1
done
left=$(running | paste -sd ' ')
[ -z "$left" ] || fail "10 s after kill -9 of rank 3 on $host, still running: $left (mpirun $job, ranks $pids)"
wait "$job"
rc=$?
[ "$rc" -ne 0 ] || fail "mpirun exited 0 after a rank was killed"
echo "ok: kill -9 of rank 3 on $host ended the job (mpirun exit $rc, every rank gone) within $((tenth / 10)).$((tenth % 10)) s"
left=""
for ((i = 0; i < 20; ++i)); do  # a rank's watcher removes its segments as it sees the rank gone
  left=$(comm -13 <(echo "$before") <(shm_of_hosts) | fault_job_files "$id" "$mpirun_pid" "$tag")
  [ -z "$left" ] && break
  sleep 0.25
done
[ -z "$left" ] || fail "left in /dev/shm: $left"
echo "ok: nothing of the job left in /dev/shm on ${hosts[*]}"
rm -f "$out"
echo PASS
