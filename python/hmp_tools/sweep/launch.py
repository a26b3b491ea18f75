"""How many cores a configuration may use, and the launcher's argument list.

Placement (docs/jobs.md): ranks spread over
sockets (block), each rank bound to `threads` cores of its socket, OpenMP
threads pinned to those cores (OMP_PLACES=cores, OMP_PROC_BIND=close).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

OMP_VARS = ("OMP_NUM_THREADS", "OMP_PLACES", "OMP_PROC_BIND", "HMP_STUDY", "HMP_CONFIG")


def local_cores() -> int:
    """Physical cores this process may run on (hyperthreads count once)."""
    cpus = sorted(os.sched_getaffinity(0))
    cores = set()
    for cpu in cpus:
        base = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add((base.joinpath("physical_package_id").read_text().strip(),
                       base.joinpath("core_id").read_text().strip()))
        except OSError:
            cores.add(("?", str(cpu)))
    return max(1, len(cores))


def allocation_cpus() -> int | None:
    """CPUs of the Slurm job this runs in ("2(x3),4" -> 10), or None."""
    text = os.environ.get("SLURM_JOB_CPUS_PER_NODE", "")
    if not os.environ.get("SLURM_JOB_ID") or not text:
        return None
    total = 0
    for part in text.split(","):
        m = re.fullmatch(r"(\d+)(?:\(x(\d+)\))?", part.strip())
        if not m:
            return None
        total += int(m.group(1)) * int(m.group(2) or 1)
    return total


def omp_env(threads: int, bound: bool) -> dict:
    env = {"OMP_NUM_THREADS": str(threads)}
    if bound:
        env.update(OMP_PLACES="cores", OMP_PROC_BIND="close")
    else:
        # Oversubscribed ranks share cores: pinning every rank's threads to
        # the same first cores would be worse than letting the OS move them.
        env.update(OMP_PLACES="", OMP_PROC_BIND="false")
    return env


def mpirun_argv(mpirun: str, ranks: int, threads: int, bound: bool,
                per_node: int | None = None) -> list:
    """`per_node`: ranks per node of a run on several nodes of an allocation
    (Open MPI reads the Slurm allocation; ppr places that many on each)."""
    argv = [mpirun, "-np", str(ranks)]
    if per_node:
        argv += ["--map-by", f"ppr:{per_node}:node:PE={threads}", "--bind-to", "core"]
    elif bound:
        argv += ["--map-by", f"socket:PE={threads}", "--bind-to", "core"]
    else:
        argv += ["--oversubscribe", "--bind-to", "none"]
    for name in OMP_VARS:
        argv += ["-x", name]
    return argv


def srun_argv(srun: str, ranks: int, threads: int, mpi: str | None,
              nodes: int | None = None) -> list:
    """`nodes`: a run placed on that many nodes, ranks / nodes on each."""
    argv = [srun, f"--ntasks={ranks}", f"--cpus-per-task={threads}",
            "--cpu-bind=cores", "--distribution=block:block", "--kill-on-bad-exit=1"]
    if nodes:
        argv[1:1] = [f"--nodes={nodes}", f"--ntasks-per-node={-(-ranks // nodes)}"]
    if mpi:
        argv.append(f"--mpi={mpi}")
    return argv


def _slurm_can_bind() -> bool:
    """False when slurmd runs TaskPlugin=task/none: srun would leave every
    rank on all of the node's CPUs, and OMP_PLACES would then pin the first
    thread of every rank to the same core."""
    try:
        text = subprocess.run(["scontrol", "show", "config"], capture_output=True,
                              text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    m = re.search(r"^TaskPlugin\s*=\s*(\S+)", text, re.MULTILINE)
    return not (m and m.group(1) == "task/none")


def _slurm_has_pmix() -> bool:
    try:
        listing = subprocess.run(["srun", "--mpi=list"], capture_output=True, text=True,
                                 timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return re.search(r"\bpmix\b", listing.stdout + listing.stderr) is not None


def slurm_launcher() -> tuple:
    """How to start ranks inside a Slurm job: ("srun", "pmix") when Slurm can
    start Open MPI ranks itself (PMIx) and bind them to cores, else
    ("mpirun", None): Open MPI's mpirun reads the Slurm allocation and binds
    with --map-by socket:PE=threads. HMP_LAUNCHER=srun|mpirun overrides."""
    choice = os.environ.get("HMP_LAUNCHER", "auto")
    if choice == "mpirun":
        return ("mpirun", None)
    pmix = _slurm_has_pmix()
    if choice == "srun":
        return ("srun", "pmix" if pmix else None)
    return ("srun", "pmix") if pmix and _slurm_can_bind() else ("mpirun", None)


def find_mpirun() -> str:
    return shutil.which("mpirun") or "mpirun"
