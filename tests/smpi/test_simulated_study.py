"""A simulated study end to end (the -DHMP_SMPI=ON build): `hmp-sweep
simulate` runs hmp-bench-scale under smpirun on jobs/platforms/ethernet-64.xml,
its records validate and say they are simulated, a rerun runs nothing, and
hmp-report's tables/simulated_scaling.csv holds the bench's arithmetic.
A run past --timeout or --max-memory is stopped (no simulator left),
recorded as failed, and not rerun under the same limits; --ranks runs only
the rank counts asked for. Bad simulated studies end with exit 2 and one line.

Arguments (--arg, in order): the folder of the simulated build's programs."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import time
from pathlib import Path

import pytest
from build_id_file import build_id_in
from python_tools import command

from hmp_tools import schema
from hmp_tools.sweep import smpi

PLATFORM = "ethernet-64"   # 64 hosts of 8 cores; 4 ranks to a host here
RANKS = (4, 8)
MAP_ITEMS = 64
TASKS_US = (0, 100)
SCHEDULES = ("static_block", "dynamic")
OTHERS = ("shared_array", "lock", "task_error")
WEAK_PER_RANK = 8
# The configurations at each rank count: the maps, the others, the weak map.
PER_RANKS = len(SCHEDULES) * len(TASKS_US) + len(OTHERS) + 1
STUDY = {
    "name": "sim-tiny",
    "simulated": {"platform": PLATFORM, "ranks_per_host": 4},
    "ranks": list(RANKS), "repeats": 1, "warmup": 0, "timeout": 120,
    "apps": [
        {"app": "bench-scale", "methods": ["map"], "items": [MAP_ITEMS],
         "args": {"schedule": list(SCHEDULES), "task_us": list(TASKS_US)}},
        {"app": "bench-scale", "methods": list(OTHERS), "items": [16]},
        # Weak scaling beside the fixed-items maps: WEAK_PER_RANK tasks a rank.
        {"app": "bench-scale", "methods": ["map"], "items": [WEAK_PER_RANK], "scaling": "weak",
         "args": {"schedule": "dynamic", "chunksize": 1, "task_us": 100}},
    ],
}
CSV_COLUMNS = ("ranks", "schedule", "task_us", "items", "makespan_s", "ideal_s", "efficiency",
               "overhead_us_per_task")


def run(tool, *args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([*command(tool), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def write(folder: Path, study) -> Path:
    path = folder / f"{study['name'] if isinstance(study, dict) else 'bad'}.json"
    path.write_text(study if isinstance(study, str) else json.dumps(study), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bin_dir(pytestconfig) -> Path:
    (given,) = pytestconfig.getoption("arg")
    return Path(given)


@pytest.fixture(scope="module")
def swept(bin_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim")
    study = write(folder, STUDY)
    first = run("hmp-sweep", "simulate", study, "--results", folder / "results", "--bin", bin_dir)
    again = run("hmp-sweep", "simulate", study, "--results", folder / "results", "--bin", bin_dir)
    report = run("hmp-report", "--out", folder / "report", folder / "results" / "sim-tiny")
    return folder, first, again, report


def test_every_configuration_ran_and_a_rerun_runs_none(swept):
    _, first, again, _ = swept
    configs = len(RANKS) * PER_RANKS
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"{configs} ran ok, 0 skipped (complete), 0 failed" in first.stdout
    assert again.returncode == 0, again.stderr
    assert f"0 ran ok, {configs} skipped (complete), 0 failed" in again.stdout


def test_records_validate_and_say_simulated_on_the_platform(swept, bin_dir):
    folder = swept[0]
    files = sorted((folder / "results" / "sim-tiny").glob("*.jsonl"))
    assert len(files) == len(RANKS) * PER_RANKS
    for path in files:
        (rec,) = [json.loads(line) for line in path.read_text().splitlines()]
        assert schema.problems(rec) == [], path
        assert rec["simulated"] is True and rec["platform"] == PLATFORM, path
        assert rec["host_time"] == "replayed", path  # the study's default
        assert rec["app"] == "bench-scale" and rec["check"] == "passed", path
        assert rec["ranks"] in RANKS and rec["nodes"] == rec["ranks"] // 4, path
        assert rec["study"] == "sim-tiny" and rec["config"] == path.stem, path
        weak = "chunksize" in path.stem
        assert rec["scaling"] == ("weak" if weak else "strong"), path
        if weak:
            assert rec["items"] == WEAK_PER_RANK * rec["ranks"] and rec["chunksize"] == 1, path
        # The build's git describe when it was last built (not configured).
        assert rec["build"] == build_id_in(bin_dir / "common" / "build_id.cpp"), path
        # What the simulation cost here: the simulator's memory and wall time.
        assert rec["peak_rss_bytes"] > 1 << 20 and rec["elapsed_seconds"] > 0, path


def test_report_writes_the_simulated_table_with_the_bench_arithmetic(swept):
    folder, _, _, report = swept
    assert report.returncode == 0, report.stderr
    with open(folder / "report" / "tables" / "simulated_scaling.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert set(CSV_COLUMNS) <= set(rows[0])
    assert all(float(r["wall_s"]) > 0 and int(r["peak_rss_bytes"]) > 1 << 20 for r in rows)
    maps = [r for r in rows if r["method"] == "map" and r["scaling"] == "strong"]
    weak = [r for r in rows if r["method"] == "map" and r["scaling"] == "weak"]
    assert sorted((int(r["ranks"]), int(r["items"]), r["chunksize"]) for r in weak) == [
        (n, WEAK_PER_RANK * n, "1") for n in RANKS]
    text = (folder / "report" / "report.md").read_text()
    assert f"| {WEAK_PER_RANK} a rank (weak) × 100 µs | dynamic, chunksize 1 |" in text
    assert sorted((int(r["ranks"]), r["schedule"], float(r["task_us"])) for r in maps) == sorted(
        (n, s, float(t)) for n in RANKS for s in SCHEDULES for t in TASKS_US)
    for r in maps:
        ranks, items, task_us = int(r["ranks"]), int(r["items"]), float(r["task_us"])
        makespan, ideal = float(r["makespan_s"]), float(r["ideal_s"])
        assert items == MAP_ITEMS and r["platform"] == PLATFORM
        assert math.isclose(ideal, items * task_us * 1e-6 / ranks, rel_tol=1e-9)
        # A task's cost is exact simulated time: no schedule beats the ideal.
        assert makespan >= ideal > 0 or task_us == 0
        assert math.isclose(float(r["overhead_us_per_task"]),
                            (makespan - ideal) * ranks / items * 1e6, rel_tol=1e-9, abs_tol=1e-9)
        if task_us:
            assert math.isclose(float(r["efficiency"]), ideal / makespan, rel_tol=1e-9)
    errors = [r for r in rows if r["method"] == "task_error"]
    assert len(errors) == len(RANKS) and all(r["same_error_everywhere"] == "True" for r in errors)
    assert not (folder / "report" / "tables" / "strong_scaling.csv").exists()
    assert "Simulated scaling (SimGrid SMPI)" in (folder / "report" / "report.md").read_text()


BAD = [
    ({**STUDY, "simulated": {"platform": "no-such-cluster"}}, "simulated.platform: no platform no-such-cluster"),
    ({**STUDY, "simulated": {"platform": "../ethernet-64"}}, "simulated.platform: unsafe or malformed value"),
    ({**STUDY, "ranks": [4, 512]}, "ranks[1]: "),
    ({**STUDY, "threads": [2]}, "threads[0]: 2 is out of range"),
    ({**STUDY, "simulated": {"platform": PLATFORM, "hosts": 2}}, "simulated.hosts: unknown key"),
    ({**STUDY, "simulated": {"platform": PLATFORM, "host_time": "none"}},
     "simulated.host_time: unknown value \"none\"; allowed: replayed, skipped"),
    ({**STUDY, "apps": [{"app": "bench-scale", "methods": ["map"], "items": [8],
                         "args": {"schedule": "fastest"}}]}, "apps[0].args.schedule: unknown value"),
    ({**STUDY, "apps": [{"app": "bench-scale", "methods": ["map"], "items": [8],
                         "args": {"task_us": [-1]}}]}, "apps[0].args.task_us: expected a number"),
    ({**STUDY, "apps": [{"app": "bench-scale", "methods": ["map"], "items": [8],
                         "args": {"chunksize": 1.5}}]}, "apps[0].args.chunksize: expected an integer"),
    ({**STUDY, "apps": [{"app": "bench-scale", "methods": ["map"], "items": [8], "scaling": "strongest"}]},
     "apps[0].scaling: unknown value"),
    ({**STUDY, "apps": [{"app": "bench-scale", "methods": ["map"], "items": [8], "sizes": [1]}]},
     "apps[0].sizes: bench-scale has no size"),
    ({**STUDY, "apps": [{"app": "sum", "methods": ["all"], "items": [8], "sizes": [1]}]},
     "apps[0].app: unknown value"),
    ({**STUDY, "apps": [{"app": "bench-scale", "methods": ["mapp"], "items": [8]}]},
     "apps[0].methods[0]: unknown value \"mapp\"; allowed: map, shared_array, lock, task_error"),
    ("{\"name\": \"x\", \"simulated\": ", "(json): malformed JSON"),
]


@pytest.mark.parametrize("study, message", BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_a_bad_simulated_study_exits_2_with_one_line(study, message, bin_dir, tmp_path):
    path = write(tmp_path, study)
    done = run("hmp-sweep", "simulate", path, "--bin", bin_dir, "--results", tmp_path, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert not (tmp_path / "sim-tiny").exists()


def test_launchers_refuse_the_other_kind_of_study(bin_dir, tmp_path):
    simulated = write(tmp_path, STUDY)
    done = run("hmp-sweep", "local", simulated, "--bin", bin_dir, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "simulated: a simulated study runs under smpirun; allowed: hmp-sweep simulate" in done.stderr
    measured = write(tmp_path, {"name": "m", "ranks": [1], "threads": [1],
                                "apps": [{"app": "bench-scale", "methods": ["map"], "items": [8]}]})
    done = run("hmp-sweep", "simulate", measured, "--bin", bin_dir, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def dry_run(bin_dir, tmp_path, path) -> list:
    """`hmp-sweep simulate --dry-run` of the study file `path`: its lines, one a configuration."""
    done = run("hmp-sweep", "simulate", path, "--bin", bin_dir, "--results", tmp_path / "r",
               "--dry-run", timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(RANKS) * PER_RANKS
    return lines


def test_a_dry_run_lists_every_smpirun_and_writes_nothing(bin_dir, tmp_path):
    lines = dry_run(bin_dir, tmp_path, write(tmp_path, STUDY))
    assert all("[to run]" in l and "smpirun" in l and f"{PLATFORM}.xml" in l for l in lines)
    assert not (tmp_path / "r").exists()


def test_an_integer_argument_reaches_the_app_as_an_integer(bin_dir, tmp_path):
    study = {**STUDY, "apps": [{"app": "bench-scale", "methods": ["map"], "items": [8],
                                "args": {"chunksize": 1000000}}]}
    done = run("hmp-sweep", "simulate", write(tmp_path, study), "--bin", bin_dir, "--results",
               tmp_path / "r", "--dry-run", timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all('"--chunksize", "1000000"' in l for l in lines), done.stdout


def test_only_the_rank_counts_asked_for_run(bin_dir, tmp_path):
    path = write(tmp_path, STUDY)
    done = run("hmp-sweep", "simulate", path, "--bin", bin_dir, "--results", tmp_path / "r",
               "--ranks", "8", "--dry-run", timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == PER_RANKS
    assert all("-r8-t1" in line for line in lines), done.stdout
    done = run("hmp-sweep", "simulate", path, "--bin", bin_dir, "--results", tmp_path / "r",
               "--ranks", "4,16", timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "--ranks: 16 is not a rank count of the study; allowed: 4, 8" in done.stderr
    assert not (tmp_path / "r").exists()


# A map no machine simulates in seconds (10^7 tasks), and a short run.
LONG = {"name": "sim-long", "simulated": {"platform": PLATFORM, "ranks_per_host": 4},
        "ranks": [16], "repeats": 1, "warmup": 0, "timeout": 600,
        "apps": [{"app": "bench-scale", "methods": ["map"], "items": [10 ** 7],
                  "args": {"task_us": 1}}]}
SHORT = {**LONG, "name": "sim-short", "ranks": [4],
         "apps": [{"app": "bench-scale", "methods": ["lock"], "items": [1]}]}


def simulators_of(folder: Path) -> list:
    """Processes whose command line names `folder` (the records path is an
    argument of every simulated rank's program)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(folder).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def sweep_limited(path, bin_dir, results, *limits) -> tuple:
    done = run("hmp-sweep", "simulate", path, "--bin", bin_dir, "--results", results, *limits)
    (rec,) = [json.loads(line) for line in next(results.glob("*/*.jsonl")).read_text().splitlines()]
    return done, rec


def test_a_run_past_its_timeout_is_stopped_recorded_and_not_rerun(bin_dir, tmp_path):
    path, results = write(tmp_path, LONG), tmp_path / "results"
    done, rec = sweep_limited(path, bin_dir, results, "--timeout", "3")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "(did not finish within 3 s)" in done.stdout
    assert schema.problems(rec) == []
    assert (rec["status"], rec["reason"], rec["timeout_s"]) == (
        "failed", "did not finish within 3 s", 3)
    assert rec["simulated"] is True and rec["peak_rss_bytes"] > 0
    # The host the ok records name (rank 0's on the platform), so that the
    # report keeps the failure in their build/host section.
    assert rec["host"] == "eth-0"
    deadline = time.monotonic() + 30  # SIGKILLed processes may take a moment to go
    while simulators_of(results) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert simulators_of(results) == [], "the stopped simulator is still running"
    log = next(results.glob("*/logs/*.out"))
    before = log.stat().st_mtime_ns
    again, rec = sweep_limited(path, bin_dir, results, "--timeout", "3")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "skipped (did not finish within 3 s)" in again.stdout
    assert "0 ran ok, 0 skipped (complete), 0 failed, 1 not rerun" in again.stdout
    assert log.stat().st_mtime_ns == before and rec["timeout_s"] == 3


def test_a_run_past_its_memory_limit_is_recorded_and_not_rerun(bin_dir, tmp_path):
    path, results = write(tmp_path, SHORT), tmp_path / "results"
    # 1 MiB: less than any simulator holds.
    done, rec = sweep_limited(path, bin_dir, results, "--max-memory", str(1 / 1024))
    assert done.returncode == 1, done.stdout + done.stderr
    assert schema.problems(rec) == [] and rec["status"] == "failed"
    assert rec["memory_limit_bytes"] == 1 << 20 and rec["peak_rss_bytes"] > 1 << 20
    assert rec["reason"].startswith("used more than 1 MiB of memory (the limit): "), rec["reason"]
    again, _ = sweep_limited(path, bin_dir, results, "--max-memory", str(1 / 1024))
    assert again.returncode == 1 and "1 not rerun" in again.stdout, again.stdout
    assert "skipped (used more than 1 MiB of memory)" in again.stdout


def test_the_simulator_binds_at_load_and_keeps_no_fastbins():
    # docs/scaling.md, "One process's costs, taken out"; a setting given is kept.
    assert smpi.simulator_env({}) == {"LD_BIND_NOW": "1", "GLIBC_TUNABLES": "glibc.malloc.mxfast=0"}
    given = smpi.simulator_env({"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"})
    assert given["GLIBC_TUNABLES"] == "glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0"


def launch(bin_dir, records, *options, env=None, ranks=8) -> subprocess.CompletedProcess:
    """hmp-bench-scale's map of 64 tasks of 100 µs, through the launcher."""
    return subprocess.run(
        ["/usr/bin/python3", "-m", "hmp_tools.sweep.smpi", "--platform",
         str(smpi_platform()), "--np", str(ranks), "--ranks-per-host", "4", *options,
         str(bin_dir / "hmp-bench-scale"), "--method", "map", "--schedule", "dynamic",
         "--items", "64", "--task-us", "100", "--repeat", "1", "--warmup", "0",
         "--records", str(records)],
        capture_output=True, text=True, timeout=300, env=env)


def smpi_platform() -> Path:
    return Path(__file__).resolve().parents[2] / "jobs" / "platforms" / f"{PLATFORM}.xml"


def test_host_time_skipped_is_recorded_and_still_counts_the_tasks(bin_dir, tmp_path):
    records = tmp_path / "r.jsonl"
    for _ in range(2):
        done = launch(bin_dir, records, "--host-time", "skipped")
        assert done.returncode == 0, done.stdout + done.stderr
    done = launch(bin_dir, records)
    assert done.returncode == 0, done.stdout + done.stderr
    *skipped, replayed = [json.loads(line) for line in records.read_text().splitlines()]
    for rec in (*skipped, replayed):
        assert schema.problems(rec) == [], rec
        assert rec["simulated"] is True and rec["platform"] == PLATFORM
        # The tasks are injected simulated time, counted either way.
        ideal = 64 * 100e-6 / 8
        assert math.isclose(rec["ideal_s"], ideal, rel_tol=1e-9)
        assert rec["makespan_s"] >= ideal
    assert [r["host_time"] for r in skipped] == ["skipped", "skipped"]
    assert replayed["host_time"] == "replayed"
    # Nothing measured on this machine: the same figure every run.
    assert skipped[0]["makespan_s"] == skipped[1]["makespan_s"]


def test_a_bad_host_time_in_the_environment_stops_before_the_run(bin_dir, tmp_path):
    records = tmp_path / "r.jsonl"
    argv, extra = smpi.prepare(tmp_path, smpi_platform(), 4, bin_dir / "hmp-bench-scale",
                               ["--method", "lock", "--items", "1", "--records", str(records)], 4)
    # What the launcher would never set: the program says so and runs nothing.
    env = {**os.environ, **extra, "HMP_HOST_TIME": "fast"}
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert ("hmp-bench-scale: HMP_HOST_TIME='fast' is not allowed; allowed: replayed, skipped"
            in done.stderr), done.stderr
    assert '"app"' not in done.stdout and not records.exists()  # no run, no record


def test_a_dry_run_of_a_study_not_replaying_host_time_says_so(bin_dir, tmp_path):
    study = {**STUDY, "simulated": {**STUDY["simulated"], "host_time": "skipped"}}
    path = write(tmp_path, study)
    lines = dry_run(bin_dir, tmp_path, path)
    assert all("HMP_HOST_TIME=skipped" in l and "--cfg=smpi/simulate-computation:no" in l
               for l in lines), "\n".join(lines)
    done = run("hmp-sweep", "check", path, "--bin", bin_dir, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "host time not replayed: simulated.host_time skipped" in done.stdout
