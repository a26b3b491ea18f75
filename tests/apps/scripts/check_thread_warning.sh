#!/usr/bin/env bash
# A rank whose threads exceed the cores it may run on is warned about, in one
# line naming the fix, by every app (and once only: hmp::Runtime checks the
# environment's threads, the app its --threads); a rank with cores enough is not.
# usage: check_thread_warning.sh MPIRUN APPS_DIR
set -u
mpirun=$1 apps=$2
fail() { echo "FAIL: $*"; exit 1; }
cores=$(env -u OMP_NUM_THREADS nproc)  # nproc counts OMP_NUM_THREADS otherwise
[ "$cores" -ge 2 ] || { echo "SKIP: needs 2 cores (have $cores)"; exit 0; }
declare -A args=([sum]="--items 1000" [determinants]="--items 20 --size 5" [autocorr]="--items 2 --size 6"
                 [fft2]="--items 2 --size 8" [processes]="--items 2")
declare -A method=([sum]=openmp [determinants]=openmp [autocorr]=openmp [fft2]=openmp [processes]=together)
warnings() { grep -c '^hmp: warning: .*OpenMP threads per rank' <<<"$1"; }
for app in sum determinants autocorr fft2 processes; do
  exe=$apps/hmp-$app
  # Open MPI binds a lone rank to one core: 2 threads there share it.
  out=$(timeout 60 "$mpirun" -np 1 --bind-to core "$exe" --threads 2 --method "${method[$app]}" \
        ${args[$app]} --repeat 1 2>&1) || fail "hmp-$app bound to a core failed: $out"
  [ "$(warnings "$out")" = 1 ] || fail "hmp-$app: expected one warning at 2 threads on 1 core, got: $out"
  line=$(grep '^hmp: warning:' <<<"$out")
  for fix in "--map-by slot:PE=2" "--bind-to none" "srun --cpus-per-task=2" "may run on only 1 core"; do
    grep -qF -- "$fix" <<<"$line" || fail "hmp-$app: the warning does not say '$fix': $line"
  done
  out=$(timeout 60 "$mpirun" -np 1 --bind-to none "$exe" --threads 2 --method "${method[$app]}" \
        ${args[$app]} --repeat 1 2>&1) || fail "hmp-$app unbound failed: $out"
  [ "$(warnings "$out")" = 0 ] || fail "hmp-$app: warned with cores enough: $out"
done
# The Runtime sees OMP_NUM_THREADS=2; the app (same threads) does not warn again.
out=$(OMP_NUM_THREADS=2 timeout 60 "$mpirun" -np 1 --bind-to core "$apps/hmp-determinants" --method openmp \
      --items 20 --size 5 --repeat 1 2>&1) || fail "OMP_NUM_THREADS=2 run failed: $out"
[ "$(warnings "$out")" = 1 ] || fail "OMP_NUM_THREADS=2 bound: expected exactly one warning, got: $out"
# sequential uses one thread: nothing to warn about.
out=$(timeout 60 "$mpirun" -np 1 --bind-to core "$apps/hmp-determinants" --threads 2 --method sequential \
      --items 20 --size 5 --repeat 1 2>&1) || fail "sequential run failed: $out"
[ "$(warnings "$out")" = 0 ] || fail "sequential at --threads 2 warned: $out"
echo "PASS: every app warns once, naming the fix, when its threads exceed its cores"
