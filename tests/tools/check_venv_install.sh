#!/usr/bin/env bash
# The Python package installs as users install it: a fresh venv that sees
# Debian's packages (--system-site-packages), pip offline (no index, no build
# isolation: Debian's setuptools builds it), and the installed hmp-sweep and
# hmp-report pass the Python tests (analysis, the sweep's validation and local
# runs), with nothing of the source tree on the import path.
# usage: check_venv_install.sh SOURCE_DIR
set -eu
src=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
cp -r "$src/python" "$tmp/package"   # pip builds in the folder it is given
"$tmp/venv/bin/python3" -m pip install --quiet --no-build-isolation --no-deps --no-index \
    --disable-pip-version-check "$tmp/package"
for tool in hmp-sweep hmp-report; do
  [ -x "$tmp/venv/bin/$tool" ] || { echo "FAIL: the install made no $tool"; exit 1; }
done
unset PYTHONPATH
where=$(cd "$tmp" && "$tmp/venv/bin/python3" -c 'import hmp_tools; print(hmp_tools.__file__)')
case $where in
  "$tmp/venv/"*) ;;
  *) echo "FAIL: hmp_tools imported from $where, not the venv"; exit 1 ;;
esac
cd "$src/tests"
PYTHONDONTWRITEBYTECODE=1 "$tmp/venv/bin/python3" -m pytest -q \
    analysis jobs/test_validation.py jobs/test_local.py
echo "PASS: pip install into a fresh venv gives hmp-sweep and hmp-report that pass the Python tests"
