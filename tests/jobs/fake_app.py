#!/usr/bin/python3
"""A stand-in for the hmp-* apps with the same CLI and record contract
(docs/apps.md; docs/design.md "Records"), whose behaviour the jobs tests control.

Installed as bin/hmp-<app> (symlinks); the app name comes from argv[0].
--list-methods prints the stand-in's methods of that app, as the apps do.
Rank 0 (OMPI_COMM_WORLD_RANK, PMIX_RANK or SLURM_PROCID) does the work:
  FAKE_APP_LOG      every run appends "<config> <ranks> <threads> <pid>" here
  FAKE_APP_CONTROL  JSON {"fail": [config ids], "hang": [config ids]}:
                    fail -> message on stderr, exit 3;
                    hang -> write half a record line, create <log>.hang, sleep
It reports the layout it really got: ranks from the launcher's environment,
threads from OMP_NUM_THREADS.
"""

import argparse
import json
import os
import socket
import sys
import time
from datetime import datetime, timezone


def env_int(*names, default):
    for name in names:
        value = os.environ.get(name)
        if value and value.isdigit():
            return int(value)
    return default


# The stand-in's own method tables (the real ones are the apps'), answered
# to --list-methods as the apps answer.
METHODS = {
    "sum": ("sequential", "openmp", "pool.apply", "pool.apply_async", "pool.map",
            "pool.map_async", "pool.imap", "pool.imap_unordered", "pool.starmap"),
    "determinants": ("sequential", "openmp", "pool.shared_array", "pool.not_shared",
                     "pool.shared_memory"),
    "autocorr": ("sequential", "openmp", "pool.map", "pool.shared_array"),
    "fft2": ("sequential", "openmp", "pool.map", "pool.shared_array"),
    "processes": ("one-by-one", "together"),
}


def main():
    app = os.path.basename(sys.argv[0]).removeprefix("hmp-")
    if sys.argv[1:] == ["--list-methods"]:
        print("\n".join(METHODS[app]))
        return 0
    p = argparse.ArgumentParser()
    for name in ("--items", "--size", "--threads", "--repeat", "--warmup", "--seed"):
        p.add_argument(name, type=int)
    for name in ("--method", "--records", "--algorithm"):
        p.add_argument(name)
    p.add_argument("--check", action="store_true")
    args = p.parse_args()

    rank = env_int("OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID", default=0)
    ranks = env_int("OMPI_COMM_WORLD_SIZE", "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS", default=1)
    threads = env_int("OMP_NUM_THREADS", default=1)
    config = os.environ.get("HMP_CONFIG", "?")
    if rank != 0:
        return 0
    log = os.environ.get("FAKE_APP_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(f"{config} {ranks} {threads} {os.getpid()}\n")
    control = {}
    if os.environ.get("FAKE_APP_CONTROL"):
        with open(os.environ["FAKE_APP_CONTROL"]) as handle:
            control = json.load(handle)
    if config in control.get("fail", []):
        print(f"fake {app}: told to fail for {config}", file=sys.stderr)
        return 3
    record = {
        "app": app, "method": args.method, "items": args.items, "size": args.size,
        "ranks": ranks, "nodes": 1, "ranks_per_node": ranks, "threads": threads,
        "seconds": [0.01 * ranks] * args.repeat, "seconds_min": 0.01 * ranks,
        "seconds_median": 0.01 * ranks, "busy_seconds": [0.01] * ranks,
        "check": "passed" if args.check else "skipped", "build": "fake",
        "host": socket.gethostname(), "job_id": os.environ.get("SLURM_JOB_ID"),
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "ok",
    }
    for key in ("HMP_STUDY", "HMP_CONFIG"):
        if os.environ.get(key):
            record[key.removeprefix("HMP_").lower()] = os.environ[key]
    if args.algorithm:
        record["algorithm"] = args.algorithm
    line = json.dumps(record) + "\n"
    fd = os.open(args.records, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if config in control.get("hang", []):
        os.write(fd, line[: len(line) // 2].encode())
        open(f"{log}.hang", "w").close()
        time.sleep(600)
    os.write(fd, line.encode())
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
