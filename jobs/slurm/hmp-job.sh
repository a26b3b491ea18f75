# Sourced by jobs/slurm/<workload>.sbatch: OpenMP and binding environment,
# the launcher, hmp-info, then the app with its records under
# results/<study>/. Needs APP and DEFAULT_ARGS (array) set by the caller.
#
# Placement: --ntasks-per-node = sockets per node and --cpus-per-task =
# cores per socket give one rank per socket with its threads on that
# socket's cores (srun --cpu-bind=cores --distribution=block:block;
# OMP_PLACES=cores OMP_PROC_BIND=close keep each thread on one core).
#
# Environment (optional): HMP_STUDY (default adhoc) names results/<study>/;
# HMP_RESULTS (default results, relative to the job's working directory);
# HMP_BIN_DIR (default $HMP_ROOT/build/apps); HMP_LAUNCHER=srun|mpirun|auto:
# auto uses srun --mpi=pmix where Slurm has PMIx and binds tasks (TaskPlugin
# other than task/none), else mpirun inside the allocation (Open MPI reads
# the Slurm allocation itself and binds with --map-by socket:PE=threads, or
# ppr:<ntasks-per-node>:node:PE=threads when --ntasks-per-node is given).

hmp_die() { echo "$(basename "${0}"): $*" >&2; exit 2; }

HMP_ROOT=${HMP_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
HMP_BIN_DIR=${HMP_BIN_DIR:-${HMP_BUILD_DIR:-$HMP_ROOT/build}/apps}
HMP_STUDY=${HMP_STUDY:-adhoc}
HMP_RESULTS=${HMP_RESULTS:-results}
[[ "$HMP_STUDY" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] \
  || hmp_die "HMP_STUDY: unsafe name '$HMP_STUDY'; allowed: letters, digits, '.', '_', '-'"
[ -x "$HMP_BIN_DIR/hmp-$APP" ] \
  || hmp_die "HMP_BIN_DIR: $HMP_BIN_DIR/hmp-$APP is not built; allowed: a folder with the built apps (cmake --build build)"

threads=${SLURM_CPUS_PER_TASK:-1}
export OMP_NUM_THREADS=$threads OMP_PLACES=cores OMP_PROC_BIND=close HMP_STUDY
if [ "$(id -u)" -eq 0 ]; then   # e.g. a test cluster whose slurmd runs jobs as root
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

launcher=${HMP_LAUNCHER:-auto}
if [ "$launcher" = auto ]; then
  # srun needs PMIx to start Open MPI ranks, and a task plugin that binds
  # (with task/none every rank would get all CPUs and OMP_PLACES would pin
  # every rank's first thread to the same core).
  if srun --mpi=list 2>&1 | grep -qw pmix \
     && ! scontrol show config 2>/dev/null | grep -Eq '^TaskPlugin +=.*task/none'; then
    launcher=srun
  else
    launcher=mpirun
  fi
fi
case "$launcher" in
  srun)   launch=(srun --mpi=pmix --cpus-per-task="$threads" --cpu-bind=cores
                  --distribution=block:block --kill-on-bad-exit=1) ;;
  mpirun)
    # --ntasks-per-node given: that many ranks on each node (ppr), as srun would.
    mapping="socket:PE=$threads"
    [ -z "${SLURM_NTASKS_PER_NODE:-}" ] || mapping="ppr:${SLURM_NTASKS_PER_NODE}:node:PE=$threads"
    launch=(mpirun --map-by "$mapping" --bind-to core
            -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND -x HMP_STUDY) ;;
  *) hmp_die "HMP_LAUNCHER: unknown '$launcher'; allowed: srun, mpirun, auto" ;;
esac

study_dir=$HMP_RESULTS/$HMP_STUDY
mkdir -p "$study_dir"
records=$study_dir/$APP-${SLURM_JOB_ID:-local}.jsonl

# hmp_run [APP OPTIONS...]: the layout report, then the app (DEFAULT_ARGS
# when no options are given). --threads and --records are set here.
hmp_run() {
  local args=("$@")
  [ ${#args[@]} -gt 0 ] || args=("${DEFAULT_ARGS[@]}")
  echo "hmp-job: $APP, job ${SLURM_JOB_ID:-none}, ${SLURM_NTASKS:-?} ranks x $threads threads, launcher $launcher, records $records"
  "${launch[@]}" "$HMP_BIN_DIR/hmp-info"
  "${launch[@]}" "$HMP_BIN_DIR/hmp-$APP" --threads "$threads" "${args[@]}" --records "$records"
}
