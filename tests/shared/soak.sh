#!/usr/bin/env bash
# Soak: ROUNDS rounds of random faults over maps and locks (fault_job under
# mpirun at 1-4 ranks, sometimes on 2 simulated nodes): task errors, lock and
# result timeouts, uncaught exceptions, SIGTERM to mpirun and kill -9 of a
# rank, at a random moment. Counts hangs, wrong results and leftover files
# of each round's job; exits 1 unless all three are 0. Not in the default
# test run (minutes); see docs/reliability.md.
# usage: tests/shared/soak.sh BUILD_DIR [ROUNDS [SEED]]
#   SOAK_FAULTS="sigterm kill9" limits the faults drawn from.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fault_lib.sh"
build=$1 rounds=${2:-200} seed=${3:-$$}
logs=${SOAK_LOGS:-$(mktemp -d /tmp/hmp-soak.XXXXXX)}  # the output of every round that failed
program=$build/tests/shared/fault_job
[ -x "$program" ] || { echo "soak.sh: no $program: build the project first (cmake --build $build)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
RANDOM=$seed
read -r -a faults <<<"${SOAK_FAULTS:-normal taskerror timeout exception sigterm kill9}"
declare -A runs=()
hangs=0 wrong=0 left=0 start=$SECONDS
for ((round = 1; round <= rounds; ++round)); do
  np=$((1 + RANDOM % 4))
  sim=0
  [ "$np" -ge 2 ] && [ $((RANDOM % 2)) = 1 ] && sim=2
  fault=${faults[RANDOM % ${#faults[@]}]}
  [ "$fault" = exception ] && fault="exception:$((RANDOM % np))"
  fault_run mpirun "$program" "$np" "$sim" "$fault"
  runs[${fault%%:*}]=$((${runs[${fault%%:*}]:-0} + 1))
  verdict=ok
  [ "$RUN_HUNG" = 1 ] && { hangs=$((hangs + 1)); verdict="HUNG"; }
  [ -n "$RUN_WRONG" ] && { wrong=$((wrong + 1)); verdict="WRONG: $(echo "$RUN_WRONG" | head -3 | tr '\n' ' ')"; }
  [ -n "$RUN_LEFT" ] && { left=$((left + 1)); verdict="LEFT: $(echo "$RUN_LEFT" | tr '\n' ' ')"; }
  printf 'round %d/%d: np=%d sim=%d %s exit %d: %s\n' "$round" "$rounds" "$np" "$sim" "$fault" "$RUN_RC" "$verdict"
  [ "$verdict" = ok ] || echo "$RUN_OUT" >"$logs/round-$round.log"
done
by=""
for f in "${faults[@]}"; do by+=" $f=${runs[$f]:-0}"; done
echo "soak: $rounds rounds (seed $seed) in $((SECONDS - start)) s:$by; hangs $hangs, wrong results $wrong, rounds leaving files $left"
rmdir "$logs" 2>/dev/null || echo "soak: the failed rounds' output is in $logs"
[ $((hangs + wrong + left)) = 0 ]
