#!/usr/bin/env bash
# Run one hmp app on this workstation under mpirun, placed like the Slurm
# jobs: ranks spread over sockets, each rank bound to THREADS cores of its
# socket, its OpenMP threads pinned one per core. Refuses more ranks x threads
# than cores unless --allow-oversubscribe (then nothing is bound).
#
#   jobs/local/run-app.sh [--ranks R] [--threads T] [--allow-oversubscribe]
#                         [--no-info] APP [APP OPTIONS...]
#   APP: sum, determinants, autocorr, fft2, processes (or hmp-<app>)
#   e.g. jobs/local/run-app.sh --ranks 2 --threads 1 fft2 --items 16 --size 256 \
#          --method pool.map --records results/adhoc/fft2.jsonl
# hmp-info runs first (the layout the ranks really got) unless --no-info.
# --threads T is passed to the app; apps come from $HMP_BIN_DIR
# (default $HMP_BUILD_DIR/apps, else <repo>/build/apps).
set -euo pipefail

prog=run-app.sh
die() { echo "$prog: $*" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${HMP_BIN_DIR:-${HMP_BUILD_DIR:-$root/build}/apps}

ranks=1 threads=1 oversubscribe=0 info=1
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) [ $# -ge 2 ] || die "--ranks: missing value; allowed: an integer >= 1"
             ranks=$2; shift 2 ;;
    --threads) [ $# -ge 2 ] || die "--threads: missing value; allowed: an integer >= 1"
               threads=$2; shift 2 ;;
    --allow-oversubscribe) oversubscribe=1; shift ;;
    --no-info) info=0; shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "$1: unknown option; allowed: --ranks R, --threads T, --allow-oversubscribe, --no-info, then APP" ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || die "APP: missing; allowed: sum, determinants, autocorr, fft2, processes"
app=${1#hmp-}; shift
case "$app" in
  sum|determinants|autocorr|fft2|processes) ;;
  *) die "APP: unknown '$app'; allowed: sum, determinants, autocorr, fft2, processes" ;;
esac
[[ "$ranks" =~ ^[1-9][0-9]{0,3}$ ]] || die "--ranks: '$ranks' is not a positive integer; allowed: 1..9999"
[[ "$threads" =~ ^[1-9][0-9]{0,3}$ ]] || die "--threads: '$threads' is not a positive integer; allowed: 1..9999"
exe=$bin/hmp-$app
[ -x "$exe" ] || die "APP: $exe is not built; allowed: build it (cmake --build build) or set HMP_BIN_DIR"

# Physical cores this process may use: distinct (socket, core) pairs among
# the online CPUs, at most nproc (which honours the affinity mask).
cores=$(lscpu -p=SOCKET,CORE 2>/dev/null | grep -v '^#' | sort -u | wc -l)
[ "$cores" -ge 1 ] 2>/dev/null || cores=$(nproc)
[ "$cores" -le "$(nproc)" ] || cores=$(nproc)

workers=$(( ranks * threads ))
export OMP_NUM_THREADS=$threads
if [ "$workers" -le "$cores" ]; then
  export OMP_PLACES=cores OMP_PROC_BIND=close
  place=(--map-by "socket:PE=$threads" --bind-to core)
elif [ "$oversubscribe" = 1 ]; then
  # Ranks share cores: binding them would stack them on the first cores.
  export OMP_PROC_BIND=false
  unset OMP_PLACES
  place=(--oversubscribe --bind-to none)
else
  die "--ranks/--threads: $ranks x $threads = $workers exceeds the $cores cores here; allowed: ranks x threads <= $cores, or --allow-oversubscribe"
fi
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
forward=(-x OMP_NUM_THREADS -x OMP_PROC_BIND)
[ -z "${OMP_PLACES:-}" ] || forward+=(-x OMP_PLACES)

if [ "$info" = 1 ] && [ -x "$bin/hmp-info" ]; then
  mpirun -np "$ranks" "${place[@]}" "${forward[@]}" "$bin/hmp-info"
fi
exec mpirun -np "$ranks" "${place[@]}" "${forward[@]}" "$exe" --threads "$threads" "$@"
