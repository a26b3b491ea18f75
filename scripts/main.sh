#!/usr/bin/env bash
# The main job: build, then show the layout hmp sees on this machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
mpirun -np 2 "$HMP_BUILD_DIR/apps/hmp-info"
