"""A bad OMP_NUM_THREADS, SLURM_CPUS_PER_TASK or HMP_SIMULATE_NODES on some
ranks only: the Runtime throws SettingError on every rank, with the text of
the lowest rank holding a bad value, MPI finalized (so the program can exit
with its own status: no rank hangs, none aborts).

run: pytest check_setting_error.py --arg=MPIRUN --arg=PROGRAM
"""
import os
import re
import subprocess

import pytest

FLAGS = ["--oversubscribe", "--bind-to", "none"]
THREADS = "give a whole number of threads from 1 to 4096"


def run_ranks(mpirun, program, settings):
    """One rank per entry of `settings` (NAME -> value in its environment),
    as an MPMD job; returns {rank: (note, text)} of what each printed."""
    cmd = [mpirun, *FLAGS]
    for i, changes in enumerate(settings):
        cmd += [":"] if i else []
        cmd += ["-np", "1"]
        for name, value in changes.items():
            cmd += ["-x", f"{name}={value}"]
        cmd.append(program)
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK",
                                                              "HMP_SIMULATE_NODES")}
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"timed out after 60 s: {' '.join(cmd)}", pytrace=False)
    lines = {}
    for line in res.stdout.splitlines():
        m = re.match(r"rank (\d+)(.*?): (.*)", line)
        if m:
            lines[int(m.group(1))] = (m.group(2), m.group(3))
    if res.returncode != 0 or len(lines) != len(settings):
        pytest.fail(f"{' '.join(cmd)}: exit {res.returncode}, {len(lines)} ranks reported (expected 0 and "
                    f"{len(settings)}):\n{res.stdout}\n{res.stderr}", pytrace=False)
    return lines


@pytest.mark.parametrize("settings, text", [
    # Rank 0 fine, ranks 1 and 2 bad: rank 1's value (the lowest bad rank) reaches all.
    ([{"OMP_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "5000"}, {"OMP_NUM_THREADS": "0"}],
     f"OMP_NUM_THREADS='5000' is not allowed: {THREADS}"),
    ([{"SLURM_CPUS_PER_TASK": "2"}, {"SLURM_CPUS_PER_TASK": "2"}, {"SLURM_CPUS_PER_TASK": "-4"}],
     "SLURM_CPUS_PER_TASK='-4' is not allowed: give a whole number of CPUs per task from 1 to 4096"),
    ([{"HMP_SIMULATE_NODES": "4"}, {"HMP_SIMULATE_NODES": "4"}, {"HMP_SIMULATE_NODES": "1"}],
     "HMP_SIMULATE_NODES='4' is not allowed: give a whole number of nodes from 1 to the number of ranks (3)"),
])
def test_every_rank_throws_the_same_setting_error(argv, settings, text):
    mpirun, program = argv
    lines = run_ranks(mpirun, program, settings)
    for rank in range(len(settings)):
        note, got = lines[rank]
        assert note == "", f"rank {rank}{note}"
        assert got == text, f"rank {rank}: {got!r}"


def test_good_settings_start(argv):
    mpirun, program = argv
    cmd = [mpirun, *FLAGS, "-np", "2", "-x", "OMP_NUM_THREADS=1", "-x", "HMP_SIMULATE_NODES=2", program]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and res.stdout.count(": started") == 2, res.stdout + res.stderr
