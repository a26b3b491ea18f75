"""Simulated runs: SimGrid's smpirun on a platform of jobs/platforms/.

A platform file describes hosts (SimGrid's <cluster> and <host> elements);
ranks fill its hosts in order, `ranks_per_host` each (default: every core),
as mpirun's block mapping does. The program must be built with -DHMP_SMPI=ON.

    python3 -m hmp_tools.sweep.smpi --platform jobs/platforms/fat-tree-256.xml \\
        --np 1024 build-smpi/apps/hmp-bench-scale --items 100000
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from .. import schema

# The reference speed a platform's hosts are given (speed="1Gf"): SMPI
# scales the computation it measures on this machine by platform speed /
# host speed, so equal values replay it at this machine's pace.
HOST_SPEED = "1Gf"
# What MPI_Iprobe and MPI_Test cost in simulated time (SMPI's default,
# 100 us, would make root's scan of 4,096 workers last 0.4 s).
PROBE_COST = "1e-7"
MAX_RANKS = 65536
# What the simulated time holds of each rank's own computation (its code
# between MPI calls): "replayed", SMPI's default, counts the host's measured
# CPU time; "skipped" counts none (only communication and time a program
# injects, such as hmp-bench-scale's tasks). At thousands of ranks some hosts
# replay it grossly inflated (docs/scaling.md, "Host time not replayed").
# The records' values (records.schema.json), the default first.
HOST_TIMES = schema.host_times()
RADICAL_RE = re.compile(r"\d{1,6}(-\d{1,6})?")


class PlatformError(Exception):
    """One line: what is wrong with the platform or the rank count."""


def hosts(platform: str | os.PathLike) -> list:
    """(name, cores) of every host the platform file describes, in order."""
    try:
        root = ET.parse(platform).getroot()
    except (OSError, ET.ParseError) as e:
        raise PlatformError(f"{platform}: not a readable SimGrid platform ({e})") from None
    found = []
    for el in root.iter():
        cores = el.get("core", "1")
        if not cores.isdigit() or not 1 <= int(cores) <= 4096:
            raise PlatformError(f"{platform}: core='{cores}' is not allowed; allowed: 1..4096")
        if el.tag == "host":
            found.append((el.get("id"), int(cores)))
        elif el.tag == "cluster":
            for part in el.get("radical", "").split(","):
                if not RADICAL_RE.fullmatch(part):
                    raise PlatformError(f"{platform}: radical='{el.get('radical')}' is not allowed;"
                                        " allowed: N or N-M, comma-separated")
                lo, _, hi = part.partition("-")
                for i in range(int(lo), int(hi or lo) + 1):
                    found.append((f"{el.get('prefix', '')}{i}{el.get('suffix', '')}", int(cores)))
    if not found:
        raise PlatformError(f"{platform}: describes no host")
    return found


def hostfile(platform, ranks: int, ranks_per_host: int | None = None) -> str:
    """smpirun's hostfile: `host:k` lines placing `ranks` ranks in order."""
    if not 1 <= ranks <= MAX_RANKS:
        raise PlatformError(f"ranks {ranks} is not allowed; allowed: 1..{MAX_RANKS}")
    lines, left = [], ranks
    for name, cores in hosts(platform):
        if left == 0:
            break
        k = min(left, ranks_per_host or cores)
        lines.append(f"{name}:{k}")
        left -= k
    if left:
        room = ranks - left
        raise PlatformError(f"{platform} holds {room} ranks at "
                            f"{ranks_per_host or 'one per core'} per host, not {ranks}")
    return "\n".join(lines) + "\n"


def host_time_cfg(host_time: str) -> list:
    """smpirun's options for `host_time` (one of HOST_TIMES)."""
    if host_time not in HOST_TIMES:
        raise PlatformError(f"host time {host_time!r} is not allowed; allowed: {', '.join(HOST_TIMES)}")
    return ["--cfg=smpi/simulate-computation:no"] if host_time == "skipped" else []


def smpirun_argv(platform, hostfile_path, ranks: int, program, args=(), host_time="replayed") -> list:
    argv = [shutil.which("smpirun") or "smpirun", "-np", str(ranks),
            "-platform", str(platform), "-hostfile", str(hostfile_path)]
    argv += [f"--cfg=smpi/host-speed:{HOST_SPEED}",
             f"--cfg=smpi/iprobe:{PROBE_COST}", f"--cfg=smpi/test:{PROBE_COST}",
             # Open MPI's choice of collective algorithms: SMPI's default
             # ones send n^2 messages (a window's creation at 256 ranks took
             # minutes of wall time).
             "--cfg=smpi/coll-selector:ompi",
             # Except two of its choices: its "knomial" bcast (the one every
             # new communicator makes, for its id) and its allreduce at 256+
             # ranks first learn the hosts by a ring allgather, n^2 messages
             # (one MPI_Comm_split at 1,024 ranks took 68 s of wall time,
             # with these 1 s).
             "--cfg=smpi/bcast:binomial_tree", "--cfg=smpi/allreduce:rdb",
             # A probe or test that finds nothing costs PROBE_COST, not more
             # each time (SMPI grows it by one PROBE_COST per failure of any
             # rank: with 1,023 ranks polling, root's scans took ms).
             "--cfg=smpi/grow-injected-times:no",
             # Messages up to 64 KiB travel when sent, as MPI's eager protocol
             # sends them, not when the receive is posted (a root receiving
             # from 1,023 workers waited a latency for each).
             "--cfg=smpi/async-small-thresh:65536",
             "--log=xbt_cfg.thresh:warning", "--log=smpi_config.thresh:error",
             # MPI_Win_sync is a no-op there (ranks share one address space).
             "--log=smpi_mpi.thresh:error",
             *host_time_cfg(host_time),
             str(program), *map(str, args)]
    return argv


# One host of one core: where a program answers --list-methods.
ALONE = """<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1"><zone id="alone" routing="Full"><host id="alone" speed="1Gf"/></zone></platform>
"""


# Every simulated rank runs in the one simulator process, and the host time
# of a rank's code between two MPI calls becomes its simulated time: two
# costs a rank's own process does not have are taken out, which had held
# single ranks 0.1-2 ms of simulated time at 1,024-4,096 ranks and decided
# the last rank of a run (docs/performance.md, "A task error within 1 ms"):
# - lazy binding: each rank's copy of the program resolves each library
#   function at its first call (a first throw, a first message): bound
#   when the copy is loaded instead, before the simulation starts;
# - glibc's fastbins: the ranks share one heap, and an allocation may first
#   merge the small blocks every rank freed: off (mxfast=0).
SIMULATOR_ENV = {"LD_BIND_NOW": "1", "GLIBC_TUNABLES": "glibc.malloc.mxfast=0"}


def simulator_env(environ=None) -> dict:
    """SIMULATOR_ENV, a GLIBC_TUNABLES of `environ` kept beside it."""
    env = dict(SIMULATOR_ENV)
    given = (os.environ if environ is None else environ).get("GLIBC_TUNABLES")
    if given:
        env["GLIBC_TUNABLES"] = f"{given}:{env['GLIBC_TUNABLES']}"
    return env


def prepare(folder, platform, ranks: int, program, args=(), ranks_per_host=None, *,
            host_time="replayed") -> tuple:
    """(argv, environment additions) of one run, its hostfile written into
    `folder`, which must stay until the run ends and is its working folder."""
    path = Path(folder, "hostfile")
    path.write_text(hostfile(platform, ranks, ranks_per_host))
    argv = smpirun_argv(Path(platform).resolve(), path, ranks, Path(program).resolve(), args,
                        host_time)
    # smpirun copies the program once per rank into TMPDIR (its -tmpdir
    # option takes the next word for the program in SimGrid 3.32); the
    # records name the platform and the host time (apps/common/records.cpp).
    return argv, {"TMPDIR": str(folder), "HMP_PLATFORM": Path(platform).stem,
                  "HMP_HOST_TIME": host_time, **simulator_env()}


def run(platform, ranks: int, program, args=(), ranks_per_host=None, *, host_time="replayed",
        **kwargs):
    """Runs `program` at `ranks` simulated ranks; subprocess.run's result."""
    with tempfile.TemporaryDirectory(prefix="hmp-smpi-") as tmp:
        argv, extra = prepare(tmp, platform, ranks, program, args, ranks_per_host,
                              host_time=host_time)
        env = dict(kwargs.pop("env", None) or os.environ, **extra)
        return subprocess.run(argv, cwd=tmp, env=env, **kwargs)


def run_alone(program, args=(), **kwargs):
    """Runs `program` as one simulated rank on a host of its own."""
    with tempfile.TemporaryDirectory(prefix="hmp-smpi-") as tmp:
        platform = Path(tmp, "alone.xml")
        platform.write_text(ALONE)
        return run(platform, 1, program, args, **kwargs)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m hmp_tools.sweep.smpi",
                                description="Run an HMP_SMPI build's program under smpirun on a platform.")
    p.add_argument("--platform", required=True, help="SimGrid platform file (jobs/platforms/)")
    p.add_argument("--np", type=int, required=True, help="simulated ranks")
    p.add_argument("--ranks-per-host", type=int, default=None, help="default: one per core")
    p.add_argument("--host-time", choices=HOST_TIMES, default="replayed",
                   help="replayed (default): each rank's computation between MPI calls counts "
                        "as the host's measured CPU time; skipped: it counts nothing (only "
                        "communication and injected time, e.g. the bench's tasks)")
    p.add_argument("program")
    p.add_argument("args", nargs=argparse.REMAINDER)
    o = p.parse_args(argv)
    try:
        return run(o.platform, o.np, o.program, o.args, o.ranks_per_host,
                   host_time=o.host_time).returncode
    except PlatformError as e:
        print(f"hmp-smpi: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
