"""Submitting a study to Slurm: one array task per configuration, then the
analysis job with --dependency=afterok on the array."""

from __future__ import annotations

import re
import subprocess

from .study import StudyError


class SlurmError(Exception):
    """Slurm could not be asked or refused; one line."""


def _run(argv) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        raise SlurmError(f"{argv[0]}: cannot run: {error}") from None
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["?"]
        raise SlurmError(f"{argv[0]} failed (exit {done.returncode}): {last[0]}")
    return done.stdout


def partition_nodes(path: str, partition: str | None) -> tuple:
    """(CPUs of the partition's smallest node, its node count, its name),
    from sinfo."""
    argv = ["sinfo", "-h", "-o", "%P %c %D"]
    if partition:
        argv[1:1] = ["-p", partition]
    rows = []
    for line in _run(argv).splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        name, cpus, count = parts
        m, n = re.match(r"\d+", cpus), re.match(r"\d+", count)
        if m and n:
            rows.append((name, int(m.group()), int(n.group())))
    if partition is None:
        rows = [r for r in rows if r[0].endswith("*")] or rows[:1]
    if not rows:
        raise StudyError(path, "slurm.partition", f"no partition {partition or '(default)'} "
                         "answers sinfo", "a partition listed by sinfo")
    return min(r[1] for r in rows), sum(r[2] for r in rows), rows[0][0].rstrip("*")


def partition_capacity(path: str, partition: str | None, nodes: int) -> tuple:
    """(CPUs a configuration may use, partition name) from sinfo: the
    smallest node's CPUs times the nodes asked for."""
    cpus, total_nodes, name = partition_nodes(path, partition)
    if nodes > total_nodes:
        raise StudyError(path, "slurm.nodes", f"{nodes} nodes asked, partition {name} has "
                         f"{total_nodes}", f"1..{total_nodes}")
    return cpus * nodes, name


def array_spec(indices) -> str:
    """[0,1,2,5,7,8] -> "0-2,5,7-8"."""
    out, start, prev = [], None, None
    for i in sorted(indices):
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            out.append(f"{start}-{prev}" if prev > start else str(start))
            start = prev = i
    if start is not None:
        out.append(f"{start}-{prev}" if prev > start else str(start))
    return ",".join(out)


def sbatch(argv) -> str:
    """Submit; the job id (sbatch --parsable prints "id" or "id;cluster")."""
    text = _run(argv).strip()
    job = text.split(";")[0]
    if not job.isdigit():
        raise SlurmError(f"sbatch printed no job id: {text!r}")
    return job
