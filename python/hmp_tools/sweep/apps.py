"""What the apps say about themselves: each app's method table is the one
list of its methods (`hmp-<app> --list-methods`), so the sweep asks the app
instead of keeping a copy."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from . import smpi

# The driver apps a study may name: the executable is hmp-<app> (docs/apps.md).
APPS = ("sum", "determinants", "autocorr", "fft2", "processes")
# What a simulated study may name: programs of a -DHMP_SMPI=ON build, asked
# under smpirun (docs/scaling.md).
SIMULATED_APPS = ("bench-scale",)
METHOD_RE = re.compile(r"[a-z][a-z0-9._-]{0,63}")
# A launcher's variables would make the app's MPI join (or wait for) a job
# step; asking for the method list is a singleton run outside any job.
_LAUNCHER_PREFIXES = ("SLURM_", "PMI_", "PMIX_", "OMPI_COMM_", "OMPI_MCA_orte_", "OMPI_MCA_ess")


class AppError(Exception):
    """An app cannot be asked (not built, or it answered nonsense); one line."""


def _probe_env() -> dict:
    # HMP_SIMULATE_NODES is for the study's runs: the probe is one rank.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(_LAUNCHER_PREFIXES) and k != "HMP_SIMULATE_NODES"}
    if os.getuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


class MethodTable:
    """methods(app) -> the app's methods, in the order `--method all` runs them."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = Path(bin_dir)
        self._known = {}

    def executable(self, app: str) -> Path:
        return self.bin_dir / f"hmp-{app}"

    def __call__(self, app: str) -> tuple:
        if app not in self._known:
            self._known[app] = self._ask(app)
        return self._known[app]

    def _ask(self, app: str) -> tuple:
        exe = self.executable(app)
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            raise AppError(f"{exe} is not built")
        try:
            if app in SIMULATED_APPS:
                done = smpi.run_alone(exe, ["--list-methods"], capture_output=True, text=True,
                                      timeout=60, env=_probe_env(), stdin=subprocess.DEVNULL)
            else:
                done = subprocess.run([str(exe), "--list-methods"], capture_output=True, text=True,
                                      timeout=60, env=_probe_env(), stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as error:
            raise AppError(f"{exe} --list-methods: cannot run: {error}") from None
        methods = tuple(done.stdout.split())
        if done.returncode != 0 or not methods or not all(METHOD_RE.fullmatch(m) for m in methods):
            tail = (done.stderr.strip().splitlines() or [""])[-1][:200]
            raise AppError(f"{exe} --list-methods answered exit {done.returncode}, "
                           f"{done.stdout[:200]!r} {tail}".rstrip())
        return methods
