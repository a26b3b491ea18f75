#!/usr/bin/env bash
# Build a separate project that takes hmp with FetchContent (the source tree,
# offline), check that hmp added no tests and no apps there, and run it.
# usage: check_fetch_consumer.sh SOURCE_DIR MPIRUN
set -eu
src=$1 mpirun=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/tests/core/fetch_consumer" -B "$tmp/build" -DHMP_SOURCE="$src" \
      -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
tests=$(cd "$tmp/build" && ctest -N | sed -n 's/^Total Tests: //p')
[ "$tests" = 0 ] || { echo "FAIL: hmp as a subproject added $tests tests to its parent"; exit 1; }
cmake --build "$tmp/build" -j 2 >/dev/null
out=$("$mpirun" -np 2 --oversubscribe "$tmp/build/consumer")
echo "$out"
[ "$out" = "consumer: 2 ranks on 1 node(s)" ] || { echo "FAIL: FetchContent consumer printed '$out'"; exit 1; }
echo "PASS: a FetchContent consumer builds hmp's library only, links hmp::hmp and runs"
