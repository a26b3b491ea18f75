"""Smoke test of hmp-bench-pool: with tiny sizes at the given rank count it
exits 0, prints the table (header and every row, with numbers) and, with
--json, every measurement with samples; a bad option exits 2 with one line.
Times are never asserted.

run: pytest check_bench_pool.py --arg=MPIRUN --arg=NP --arg=HMP_BENCH_POOL [--arg=MPIRUN_FLAG...]
"""
import json
import math
import subprocess

import pytest

ROWS = ["map, chunksize 1, per task", "map, chunksize 1, total", "map, default chunksize, per task", "map, default chunksize, total",
        "map_async + get, 3 items", "apply_async + get"]
KEYS = ["map_chunksize1_us_per_task", "map_chunksize1_total_ms", "map_default_us_per_task", "map_default_total_ms", "map_async_get_us",
        "apply_async_get_us"]
TINY = ["--items-chunk1", "300", "--items-default", "1001", "--round-trips", "7", "--tiny", "3", "--repeat", "3",
        "--warmup", "1"]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def fail(msg, out="", err=""):
    pytest.fail(f"{msg}\n--- stdout\n{out}\n--- stderr\n{err}", pytrace=False)


def test_bench_pool_prints_its_table_and_json(argv):
    mpirun, np, bench, *flags = argv
    base = [mpirun, "-np", np, *flags, bench]

    rc, out, err = run(base + TINY)
    if rc != 0:
        fail(f"exit status {rc}", out, err)
    lines = out.splitlines()
    if not any(l.split()[:5] == ["measurement", "count", "median", "min", "unit"] for l in lines if l.strip()):
        fail("no table header", out, err)
    if f"{np} ranks" not in out:
        fail(f"the title does not say {np} ranks", out, err)
    for row in ROWS:
        line = next((l for l in lines if l.startswith(row)), None)
        if line is None:
            fail(f"no row '{row}'", out, err)
        count, median, low, unit = line[len(row):].split()
        if not (int(count) > 0 and float(median) >= float(low) >= 0 and unit in ("us", "ms")):
            fail(f"row '{row}' is not count, median >= min >= 0, unit: {line!r}", out, err)

    rc, out, err = run(base + TINY + ["--json"])
    if rc != 0:
        fail(f"--json: exit status {rc}", out, err)
    d = json.loads(out)
    if d["ranks"] != int(np) or sorted(d["results"]) != sorted(KEYS):
        fail("--json: wrong ranks or keys", out, err)
    for k in KEYS:
        r = d["results"][k]
        if len(r["samples"]) != 3 or not all(math.isfinite(x) and x >= 0 for x in r["samples"]):
            fail(f"--json: {k} has not 3 finite samples", out, err)
        if r["median"] != sorted(r["samples"])[1]:
            fail(f"--json: {k} median is not the samples' median", out, err)

    # mpirun adds its own report; the app's part is one line from root.
    rc, out, err = run(base + ["--repeat", "0"])
    mine = [l for l in err.splitlines() if l.startswith("hmp-bench-pool:")]
    if rc != 2 or len(mine) != 1 or "--repeat" not in mine[0]:
        fail(f"--repeat 0: want exit 2 and one line naming --repeat, got {rc}", out, err)
    print("ok")
