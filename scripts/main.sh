#!/usr/bin/env bash
# The main job: build, show the layout hmp sees (hmp-info), then run a small
# strong-scaling study of every workload with mpirun (jobs/studies/smoke.json)
# and write the report; the last line says where it is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
echo "main: the layout and binding hmp sees at 2 ranks (hmp-info)"
mpirun -np 2 "$HMP_BUILD_DIR/apps/hmp-info"
exec bash "$HMP_ROOT/jobs/main.sh" "$@"
