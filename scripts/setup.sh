#!/usr/bin/env bash
# Installs what hmp needs from Debian's packages (only what is missing), then
# configures and builds into ${HMP_BUILD_DIR:-build}. Sourced by main.sh and
# test.sh so that both work on a fresh Debian 12 machine.
set -euo pipefail

HMP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HMP_BUILD_DIR=${HMP_BUILD_DIR:-$HMP_ROOT/build}
export HMP_ROOT HMP_BUILD_DIR

packages=(cmake g++ make pkg-config git
          openmpi-bin libopenmpi-dev libfftw3-dev libeigen3-dev libgtest-dev
          libcereal-dev libcli11-dev nlohmann-json3-dev
          python3 python3-numpy python3-scipy python3-matplotlib python3-pytest
          python3-jsonschema python3-venv python3-pip python3-setuptools python3-wheel
          chromium libsimgrid-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Each long step says what it does and how far it is (the build: an estimate
# of the time left from its pace so far).
step() { echo "setup: [$1/4] $2"; }
source "$HMP_ROOT/scripts/progress.sh"
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  step 1 "installing ${#missing[@]} Debian packages: ${missing[*]}"
  $sudo apt-get update -q
  size=$(LC_ALL=C $sudo apt-get install --assume-no --no-install-recommends "${missing[@]}" 2>/dev/null |
         sed -n 's/^Need to get \([0-9.,]* [kMG]*B\).*/\1/p' || true)
  [ -z "$size" ] || echo "setup: [1/4] $size to download, then unpacked and set up (apt-get shows each package)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  step 1 "the ${#packages[@]} Debian packages needed are installed"
fi

# Open MPI refuses root unless told; our CI and containers run as root.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# PMIx tries munge first: where munge is installed (Slurm brings it) but
# munged is not running, every mpirun then retries for 2.3 s before it
# starts. Ranks and their launcher on one machine need no munge; a user's
# own setting wins.
export PMIX_MCA_psec=${PMIX_MCA_psec:-^munge}

step 2 "configuring the build in $HMP_BUILD_DIR (cmake)"
cmake -S "$HMP_ROOT" -B "$HMP_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null

step 3 "building with $(nproc) jobs (log: $HMP_BUILD_DIR/build.log)"
build_with_progress "$HMP_BUILD_DIR" "setup: [3/4]"

# The Python tools (hmp-sweep, hmp-report) installed as users get them, beside
# the apps: cmake --install into $HMP_BUILD_DIR/install (a venv for the tools).
step 4 "installing the apps, hmp-sweep and hmp-report into $HMP_BUILD_DIR/install"
cmake --install "$HMP_BUILD_DIR" --prefix "$HMP_BUILD_DIR/install" >"$HMP_BUILD_DIR/install.log"
HMP_TOOLS_BIN=$HMP_BUILD_DIR/install/bin
export HMP_TOOLS_BIN
