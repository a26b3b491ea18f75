#!/usr/bin/env bash
# Install the build into a temporary prefix, then build and run a separate
# consumer project with find_package(hmp), and a Makefile with pkg-config;
# the installed hmp-sweep and hmp-report run.
# usage: check_consumer.sh BUILD_DIR SOURCE_DIR MPIRUN
set -eu
build=$1 src=$2 mpirun=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/core/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" >/dev/null
out=$("$mpirun" -np 2 --oversubscribe "$tmp/build/consumer")
echo "$out"
[ "$out" = "consumer: 2 ranks on 1 node(s)" ] || { echo "FAIL: cmake consumer printed '$out'"; exit 1; }
cp "$src/tests/core/consumer/main.cpp" "$src/tests/core/consumer/Makefile" "$tmp/"
PKG_CONFIG_PATH="$(dirname "$(find "$tmp/prefix" -name hmp.pc)")" make -s -C "$tmp" consumer-pc
out=$("$mpirun" -np 2 --oversubscribe "$tmp/consumer-pc")
[ "$out" = "consumer: 2 ranks on 1 node(s)" ] || { echo "FAIL: pkg-config consumer printed '$out'"; exit 1; }
# The Python tools, installed beside the apps, find them there (not the
# build the test command points HMP_BUILD_DIR at).
"$tmp/prefix/bin/hmp-report" --help | grep -q "^usage: hmp-report" || { echo "FAIL: installed hmp-report"; exit 1; }
out=$(cd "$tmp" && env -u HMP_BUILD_DIR -u HMP_BIN_DIR "$tmp/prefix/bin/hmp-sweep" local "$src/jobs/studies/smoke.json" --dry-run) \
  || { echo "FAIL: installed hmp-sweep"; exit 1; }
echo "$out" | head -1 | grep -q "\"$tmp/prefix/bin/hmp-sum\"" \
  || { echo "FAIL: installed hmp-sweep does not run the apps beside it: $(echo "$out" | head -1)"; exit 1; }
echo "PASS: find_package(hmp) and pkg-config consumers build and run; hmp-sweep and hmp-report installed beside the apps"
