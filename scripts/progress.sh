# Sourced by setup.sh: a CMake build that says how far it is.
#   build_with_progress BUILD_DIR PREFIX [cmake --build options...]
# Builds BUILD_DIR (or the given --target) with nproc jobs, the whole output in BUILD_DIR/build.log;
# prints "PREFIX build N% after Ts, about Ls left" at every tenth of the way
# (L from the pace so far), then "PREFIX built in Ts"; on failure, the log's
# last 60 lines, and returns the build's status.
build_with_progress() {
  local dir=$1 prefix=$2 log=$1/build.log start=$SECONDS status
  set +e
  cmake --build "$dir" -j "$(nproc)" "${@:3}" 2>&1 | tee "$log" | {
    shown=0
    while IFS= read -r line; do
      [[ $line =~ ^\[\ *([0-9]+)%\] ]] || continue
      pct=${BASH_REMATCH[1]}
      if (( pct / 10 > shown / 10 && pct > 0 && pct < 100 )); then
        shown=$pct
        elapsed=$((SECONDS - start))
        echo "$prefix build ${pct}% after ${elapsed}s, about $((elapsed * (100 - pct) / pct))s left"
      fi
    done
  }
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    echo "$prefix the build failed (exit $status); the whole log is $log" >&2
    return "$status"
  fi
  echo "$prefix built in $((SECONDS - start))s"
}
