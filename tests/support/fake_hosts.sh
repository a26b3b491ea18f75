#!/usr/bin/env bash
# Two separate hosts for the tests (the cluster scripts' fake hosts: each its
# own hostname, /dev/shm and /tmp, TCP between them), started once per CTest
# run (fixture hosts2) in this build's own state folder.
#   fake_hosts.sh start CLUSTER_DIR STATE_DIR [SHARE]   (FIXTURES_SETUP)
#   fake_hosts.sh stop  CLUSTER_DIR STATE_DIR            (FIXTURES_CLEANUP)
#   fake_hosts.sh run   STATE_DIR COMMAND...             (a test on the hosts)
# Where the hosts cannot be made (no cluster scripts, not root) start prints
# "SKIP: why", notes it, and succeeds; run then prints the same and
# succeeds: CTest shows the tests as skipped. Hosts that were started and
# are gone make run fail. Two CTest runs of one build share the hosts: each
# run's CTest process is recorded in users/ and the last one stops them.
# run gives mpirun the hosts through the environment, without Open MPI's osc
# setting (hmp::Runtime must pick a one-sided component that works between
# hosts by itself), and a TMPDIR the ranks of both hosts see (records).
set -u
command=${1:-} hosts=2

# users/<pid of the CTest that started the hosts>; entries of ended ones dropped.
live_users() {
  local entry
  for entry in "$1"/users/*; do
    [ -e "$entry" ] || continue
    if kill -0 "${entry##*/}" 2>/dev/null; then echo "${entry##*/}"; else rm -f "$entry"; fi
  done
}

case "$command" in
  start)
    cluster=$2 state=$3 share=${4:-}
    mkdir -p "$state"
    why=""
    if [ ! -x "$cluster/start-fake-hosts.sh" ]; then
      why="no $cluster/start-fake-hosts.sh: the tests on 2 separate hosts need the cluster scripts beside the checkout"
    elif [ "$(id -u)" -ne 0 ]; then
      why="fake hosts need root (namespaces): the tests on 2 separate hosts do not run"
    fi
    if [ -n "$why" ]; then
      echo "$why" > "$state/skipped"
      echo "SKIP: $why"
      exit 0
    fi
    rm -f "$state/skipped"
    mkdir -p "$state/users" "$state/tmp"
    touch "$state/users/$PPID"
    FAKE_HOSTS_DIR=$state FAKE_HOSTS_SHARE=$share "$cluster/start-fake-hosts.sh" "$hosts" ;;
  stop)
    cluster=$2 state=$3
    rm -f "$state/users/$PPID"
    others=$(live_users "$state" | paste -sd ' ')
    if [ -n "$others" ]; then
      echo "fake hosts in $state: still used by CTest process(es) $others; left running"
      exit 0
    fi
    [ -f "$state/env.sh" ] || { echo "fake hosts in $state: not running"; exit 0; }
    rm -rf "$state/tmp"
    FAKE_HOSTS_DIR=$state "$cluster/stop-fake-hosts.sh" ;;
  run)
    state=$2
    shift 2
    if [ -f "$state/skipped" ]; then
      echo "SKIP: $(cat "$state/skipped")"
      exit 0
    fi
    if [ ! -f "$state/env.sh" ]; then
      echo "FAIL: the fake hosts of $state are not running (the test hosts2.start starts them)"
      exit 1
    fi
    . "$state/env.sh"
    unset OMPI_MCA_osc
    export TMPDIR=$state/tmp OMPI_MCA_orte_tmpdir_base=/tmp  # Open MPI's session folders: each host's own /tmp
    exec "$@" ;;
  *)
    echo "fake_hosts.sh: unknown command '$command'; allowed: start, stop, run" >&2
    exit 2 ;;
esac
