#!/usr/bin/env bash
# The set-up's build says how far it is: scripts/progress.sh's
# build_with_progress on a small project of 12 sources prints lines
# "build N% after Ts, about Ls left" with N growing, then "built in Ts";
# a failing build prints the log's end and returns its status.
# usage: check_build_progress.sh SOURCE_DIR
set -euo pipefail
src=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/project"
{ echo 'cmake_minimum_required(VERSION 3.25)'; echo 'project(p C)'; echo -n 'add_library(p'
  for i in $(seq 1 12); do echo "int f$i(int x) { return x + $i; }" > "$tmp/project/f$i.c"; echo -n " f$i.c"; done
  echo ')'; } > "$tmp/project/CMakeLists.txt"
cmake -S "$tmp/project" -B "$tmp/build" >/dev/null
source "$src/scripts/progress.sh"
out=$(build_with_progress "$tmp/build" "test:")
echo "$out"
pcts=$(sed -n 's/^test: build \([0-9]*\)% after [0-9]*s, about [0-9]*s left$/\1/p' <<<"$out")
[ "$(wc -l <<<"$pcts")" -ge 3 ] || fail "expected a progress line at most tenths of the way, got: $out"
[ "$(sort -n <<<"$pcts")" = "$pcts" ] || fail "progress went backwards: $pcts"
tail -n 1 <<<"$out" | grep -q '^test: built in [0-9]*s$' || fail "no closing 'built in' line"
[ -s "$tmp/build/build.log" ] || fail "no build.log"
echo 'int broken(' > "$tmp/project/f1.c"
status=0
out=$(build_with_progress "$tmp/build" "test:" 2>&1) || status=$?
[ "$status" -ne 0 ] || fail "a failing build returned 0"
grep -q "the build failed (exit $status); the whole log is $tmp/build/build.log" <<<"$out" || fail "no failure line: $out"
grep -q "f1.c" <<<"$out" || fail "the log's end (the compiler's error) is not shown: $out"
echo "PASS: the build reports its progress with the time left, and its failure with the log's end"
