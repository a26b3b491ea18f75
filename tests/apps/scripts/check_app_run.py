"""Smoke test of one app under mpirun: --method all --check on small sizes
must pass for every method built, print the summary, and append one record
per method holding every field of docs/records.schema.json.

run: pytest check_app_run.py --arg=MPIRUN --arg=NP --arg=APP_BINARY --arg=APP_NAME [--arg=APP_OPTION...]
"""
import collections
import json
import math
import os
import subprocess
import statistics
import sys
import tempfile
from datetime import datetime, timezone

from apptest import fail, mpirun, run
from hmp_tools import schema

# What the apps write beyond the schema's required fields.
ALSO = ("status", "timed_region")


def listed_methods(binary):
    """The app's method table, as the app prints it (`--method all` must run each one)."""
    # A singleton run: HMP_SIMULATE_NODES (meant for the mpirun below) would not fit its one rank.
    env = {k: v for k, v in os.environ.items() if k != "HMP_SIMULATE_NODES"}
    res = subprocess.run([binary, "--list-methods"], capture_output=True, text=True, timeout=60, env=env)
    methods = tuple(res.stdout.split())
    if res.returncode != 0 or not methods:
        fail(f"{binary} --list-methods: exit {res.returncode}, printed {res.stdout!r} {res.stderr!r}")
    return methods


def test_app_runs_every_method(argv):
    mpirun_cmd, np, binary, app, *extra = argv
    np = int(np)
    repeat = 3
    BUILT = listed_methods(binary)
    with tempfile.TemporaryDirectory() as tmp:
        records = os.path.join(tmp, "r.jsonl")
        env_study = os.environ.get("HMP_STUDY")
        res = mpirun(mpirun_cmd, np, [binary, "--method", "all", "--check", "--repeat", str(repeat),
                                      "--warmup", "1", "--records", records, *extra])
        print(res.stdout)
        print(res.stderr, file=sys.stderr)
        if res.returncode != 0:
            fail(f"exit status {res.returncode}, expected 0")
        for m in BUILT:
            rows = [l for l in res.stdout.splitlines() if l.split()[:1] == [m]]
            if len(rows) != 1 or not rows[0].rstrip().endswith("passed"):
                fail(f"summary: expected one row for {m} ending in 'passed', got {rows}")
        if app == "processes":
            # Runs of one Process land on different ranks, and mpirun interleaves
            # ranks' output freely: count each line, do not read their order.
            for k in (1, 2):
                shown = collections.Counter(l for l in res.stdout.splitlines() if l.startswith(f"Process-{k}: "))
                counts = [shown[f"Process-{k}: {v}"] for v in range(4)]
                if counts[0] == 0 or len(set(counts)) != 1 or sum(shown.values()) != sum(counts):
                    fail(f"stdout: expected every show_numbers run to print 'Process-{k}: 0' to '3' once; "
                         f"got {dict(shown)}")
        if "not yet available" in res.stdout:
            fail("the summary says some methods are not yet available")
        if "speed-up" not in res.stdout or "timed:" not in res.stdout:
            fail("summary misses the speed-up column or the timed region")
        if os.stat(records).st_mode & 0o777 != 0o600:
            fail(f"records file mode {oct(os.stat(records).st_mode & 0o777)}, expected 0o600")
        with open(records) as f:
            lines = f.read().splitlines()
    recs = [json.loads(l) for l in lines]
    methods = [r["method"] for r in recs]
    if list(methods) != list(BUILT):
        fail(f"expected one record per method, {BUILT} in that order; got {methods}")
    for r in recs:
        invalid = schema.problems(r) + [f"missing field {k}" for k in ALSO if k not in r]
        if invalid:
            fail(f"record for {r.get('method')} does not match the record schema: {invalid}")
        where = f"record {r['method']}: "
        if r["app"] != app or r["status"] != "ok" or r["check"] != "passed":
            fail(where + f"app/status/check = {r['app']}/{r['status']}/{r['check']}")
        if r["ranks"] != np or r["nodes"] < 1 or r["ranks_per_node"] * r["nodes"] != np:
            fail(where + f"layout ranks={r['ranks']} nodes={r['nodes']} ranks_per_node={r['ranks_per_node']}")
        if not (isinstance(r["items"], int) and r["items"] >= 1 and isinstance(r["size"], int) and r["size"] >= 1):
            fail(where + "items/size must be positive integers")
        if r["threads"] != (1 if r["method"] == "sequential" else int(os.environ.get("OMP_NUM_THREADS", "1"))):
            fail(where + f"threads {r['threads']}")
        s = r["seconds"]
        if len(s) != repeat or not all(isinstance(x, float) and x >= 0 and math.isfinite(x) for x in s):
            fail(where + f"seconds {s}: expected {repeat} non-negative numbers")
        if r["seconds_min"] != min(s) or not math.isclose(r["seconds_median"], statistics.median(s)):
            fail(where + "seconds_min/median do not match seconds")
        b = r["busy_seconds"]
        # A Process's target runs on one rank (workers in turn): only some ranks are busy.
        root_busy = b[0] > 0 if app != "processes" else sum(b) > 0
        if len(b) != np or not all(x >= 0 for x in b) or not root_busy:
            fail(where + f"busy_seconds {b}: expected {np} values, root's > 0 (processes: some > 0)")
        if not isinstance(r["build"], str) or not r["build"] or not isinstance(r["host"], str) or not r["host"]:
            fail(where + "build and host must be non-empty strings")
        if r["job_id"] != os.environ.get("SLURM_JOB_ID"):
            fail(where + f"job_id {r['job_id']!r}, expected SLURM_JOB_ID or null")
        t = datetime.fromisoformat(r["time"])
        if t.utcoffset() != timezone.utc.utcoffset(None) or abs((datetime.now(timezone.utc) - t).total_seconds()) > 600:
            fail(where + f"time {r['time']} is not now in UTC")
        if env_study is not None and r.get("study") != env_study:
            fail(where + "HMP_STUDY not passed through as 'study'")
    print(f"PASS: {app} at {np} ranks, methods {methods}")

