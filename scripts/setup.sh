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
          chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Open MPI refuses root unless told; our CI and containers run as root.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

cmake -S "$HMP_ROOT" -B "$HMP_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$HMP_BUILD_DIR" -j "$(nproc)"

# The Python tools (hmp-sweep, hmp-report) installed as users get them, beside
# the apps: cmake --install into $HMP_BUILD_DIR/install (a venv for the tools).
cmake --install "$HMP_BUILD_DIR" --prefix "$HMP_BUILD_DIR/install" >"$HMP_BUILD_DIR/install.log"
HMP_TOOLS_BIN=$HMP_BUILD_DIR/install/bin
export HMP_TOOLS_BIN
