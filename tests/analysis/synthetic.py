"""Synthetic run records with known answers, for the analysis tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from python_tools import command

COMMAND = command("hmp-report")


def record(**fields) -> dict:
    """A valid record; `seconds` given alone also sets min and median."""
    base = {
        "app": "fft2", "method": "sequential", "items": 64, "size": 256,
        "ranks": 1, "nodes": 1, "ranks_per_node": 1, "threads": 1,
        "seconds": [1.0], "busy_seconds": None, "check": "passed",
        "build": "v0.1-0-gabc1234", "host": "node01", "job_id": None,
        "time": "2025-01-01T12:00:00Z",
    }
    base.update(fields)
    s = sorted(base["seconds"]) or [0.0]
    base.setdefault("seconds_min", s[0])
    base.setdefault("seconds_median", s[len(s) // 2] if len(s) % 2 else
                    (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2)
    if base["busy_seconds"] is None:
        base["busy_seconds"] = [s[0]] * base["ranks"]
    base["ranks_per_node"] = max(1, base["ranks"] // base["nodes"])
    return base


def amdahl_time(t1: float, f: float, p: int) -> float:
    return t1 * (f + (1 - f) / p)


def strong_study(f=0.05, t1=8.0, workers=(2, 4, 8, 16), method="pool.map",
                 spread=0.0, **fields) -> list:
    """A sequential baseline plus `method` at each p, timed by Amdahl's law.

    `spread` adds a symmetric min/max around each median (the median is
    exact), so error bars are visible without changing the answers.
    """
    def repeats(t):
        return [t * (1 - spread), t, t * (1 + spread)] if spread else [t]

    out = [record(method="sequential", seconds=repeats(t1), **fields)]
    for p in workers:
        out.append(record(method=method, ranks=p, seconds=repeats(amdahl_time(t1, f, p)),
                          **fields))
    return out


def write_jsonl(path, records, raw_lines=()) -> Path:
    """Write records (dicts) then raw text lines, one per line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for r in records:
            handle.write(json.dumps(r) + "\n")
        for line in raw_lines:
            handle.write(line + "\n")
    return path


def run_report(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(COMMAND + [str(a) for a in args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)
