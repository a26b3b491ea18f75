# Runs one fault_job under mpirun with a fault and reports what it left.
# Sourced by check_leaks.sh and soak.sh. Only files that this run's own job
# made are looked at (its Open MPI job id, its mpirun's session folder, its
# segment tag): other MPI jobs may run on the machine at the same time.
#
# fault_run MPIRUN PROGRAM NP SIM FAULT
#   FAULT: normal | taskerror | timeout | exception:R | sigterm | kill9 |
#          kill9-watcher (kill -9 of a rank's watcher, then of the rank)
# Sets: RUN_RC, RUN_OUT, RUN_HUNG (1/0), RUN_WRONG (lines), RUN_LEFT (paths
# this job left).

fault_snapshot() {
  { ls -1 /dev/shm 2>/dev/null | sed 's|^|/dev/shm/|'
    find /tmp/ompi.* "${TMPDIR:-/tmp}"/ompi.* -mindepth 1 2>/dev/null; } | sort -u
}

# The lines of stdin that belong to the job (decimal id, mpirun pid, tag).
fault_job_files() {
  local id=$1 mpirun_pid=$2 tag=$3 hex
  hex=$(printf '%x' "$id")
  grep -E "(\.$hex\.|[-_]$id([-_.]|\$)|/pid\.$mpirun_pid(/|\$)|/$tag-|hmp-owner\.$tag-)" || true
}

fault_wait_for() {  # fault_wait_for FILE PATTERN SECONDS
  local i
  for ((i = 0; i < $3 * 10; ++i)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Waits while the job runs, up to 55 s; then prints every process's stacks
# (gdb, when installed) so that a hang says where it hung.
fault_stacks_if_hung() {
  local pid=$1 started=$2 job p
  while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - started)) -lt 55 ]; do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null || return 0
  echo "hung: stacks of the job's processes"
  command -v gdb >/dev/null || return 0
  for job in $(pgrep -P "$pid"); do
    for p in $job $(pgrep -P "$job") $(pgrep -P "$job" | xargs -r -n1 pgrep -P); do
      echo "== $p: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)"
      gdb -batch -p "$p" -ex "thread apply all bt 12" 2>/dev/null | grep -E '^(#|Thread)'
    done
  done
}

fault_run() {
  local mpirun=$1 program=$2 np=$3 sim=$4 fault=$5
  local out mode arg="" before after pid
  out=$(mktemp)
  mode=$fault
  case $fault in
    exception:*) mode=exception arg=${fault#exception:} ;;
    sigterm|kill9*) mode=hang ;;
  esac
  before=$(fault_snapshot)
  local started=$SECONDS
  HMP_SIMULATE_NODES=${sim#0} OMP_NUM_THREADS=1 timeout -s KILL 60 "$mpirun" -np "$np" --oversubscribe \
    "$program" $mode $arg >"$out" 2>&1 &
  pid=$!
  if [ "$mode" = hang ]; then
    if fault_wait_for "$out" '^mapping' 30; then
      sleep "0.$((RANDOM % 10))"
      local victim
      victim=$(awk -v r=$((np > 1 ? 1 : 0)) '$1 == "pid" && $2 == r {print $3}' "$out")
      case $fault in
        sigterm) kill -TERM "$(awk '/^job /{print $3}' "$out")" ;;
        kill9) kill -KILL "$victim" ;;
        kill9-watcher) pkill -KILL -P "$victim"; sleep 0.2; kill -KILL "$victim" ;;
      esac
    fi
  fi
  fault_stacks_if_hung "$pid" "$started" >>"$out"
  wait "$pid"
  RUN_RC=$?
  RUN_OUT=$(cat "$out")
  rm -f "$out"
  RUN_HUNG=$([ $((SECONDS - started)) -ge 59 ] && echo 1 || echo 0)  # ended by timeout's SIGKILL
  RUN_WRONG=$(echo "$RUN_OUT" | grep -E '^(wrong|named mapping):')
  case $fault in
    normal|taskerror|timeout)
      if [ "$RUN_RC" -ne 0 ] || ! echo "$RUN_OUT" | grep -q '^ok$'; then
        RUN_WRONG+=$'\n'"$fault: exit $RUN_RC without ok"
      fi ;;
    *) [ "$RUN_RC" -ne 0 ] || RUN_WRONG+=$'\n'"$fault: exit 0" ;;
  esac
  [ "$(echo "$RUN_OUT" | grep -c '^created hmp-leak-')" -eq $((np + 1)) ] || RUN_WRONG+=$'\n'"$fault: segments not made"
  RUN_WRONG=$(echo "$RUN_WRONG" | sed '/^$/d')
  local id mpirun_pid tag
  read -r _ id mpirun_pid tag <<<"$(echo "$RUN_OUT" | grep -m1 '^job ')"
  [ -n "${tag:-}" ] || { RUN_LEFT="(job line missing)"; return; }
  sleep 0.5  # mpirun removes its session folder, a rank's watcher its segments
  after=$(fault_snapshot)
  RUN_LEFT=$(comm -13 <(echo "$before") <(echo "$after") | fault_job_files "$id" "$mpirun_pid" "$tag")
}
