#!/usr/bin/python3
"""Python's multiprocessing.Pool doing what hmp-bench-pool measures.

No-op tasks (each returns its input), so every microsecond is the pool's:
per-task overhead of map at chunksize 1 and at the default chunksize, the
round trip of a tiny map_async + get and of apply_async + get, and the total
time of the default-chunksize map. Each measurement is the median of
--repeat timed runs after --warmup untimed ones. Standard library only.
"""
import argparse
import json
import multiprocessing
import statistics
import sys
import time


def noop(x):
    return x


def positive(name, lo, hi):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            v = None
        if v is None or v < lo or v > hi:
            raise argparse.ArgumentTypeError(
                f"{name} '{text}' is not allowed: give a whole number from {lo} to {hi}")
        return v
    return parse


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        # The project's convention: exit 2 with ONE line naming the option.
        sys.stderr.write(f"python_pool_overhead.py: {message}\n")
        sys.exit(2)


def timed(body, repeat, warmup):
    for _ in range(warmup):
        body()
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        body()
        seconds.append(time.perf_counter() - t0)
    return seconds


def result(label, unit, count, samples):
    return {"label": label, "unit": unit, "items": count, "median": statistics.median(samples),
            "min": min(samples), "samples": samples}


def main():
    p = OneLineParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=positive("--workers", 1, 1024), default=2)
    p.add_argument("--items-chunk1", type=positive("--items-chunk1", 1, 10**8), default=10000)
    p.add_argument("--items-default", type=positive("--items-default", 1, 10**8), default=1000000)
    p.add_argument("--round-trips", type=positive("--round-trips", 1, 10**7), default=500)
    p.add_argument("--tiny", type=positive("--tiny", 1, 10**6), default=4)
    p.add_argument("--repeat", type=positive("--repeat", 1, 1000), default=5)
    p.add_argument("--warmup", type=positive("--warmup", 0, 1000), default=1)
    p.add_argument("--json", action="store_true", help="print machine-readable results")
    a = p.parse_args()

    results = {}
    with multiprocessing.Pool(a.workers) as pool:
        n1 = range(a.items_chunk1)
        s = timed(lambda: pool.map(noop, n1, chunksize=1), a.repeat, a.warmup)
        results["map_chunksize1_us_per_task"] = result(
            "map, chunksize 1, per task", "us", a.items_chunk1, [x * 1e6 / a.items_chunk1 for x in s])

        nd = range(a.items_default)
        s = timed(lambda: pool.map(noop, nd), a.repeat, a.warmup)
        results["map_default_us_per_task"] = result(
            "map, default chunksize, per task", "us", a.items_default, [x * 1e6 / a.items_default for x in s])
        results["map_default_total_ms"] = result(
            "map, default chunksize, total", "ms", a.items_default, [x * 1e3 for x in s])

        tiny = list(range(a.tiny))
        k = a.round_trips

        def map_async_round_trips():
            for _ in range(k):
                pool.map_async(noop, tiny).get()
        s = timed(map_async_round_trips, a.repeat, a.warmup)
        results["map_async_get_us"] = result(
            f"map_async + get, {a.tiny} items", "us", k, [x * 1e6 / k for x in s])

        def apply_round_trips():
            for i in range(k):
                pool.apply_async(noop, (i,)).get()
        s = timed(apply_round_trips, a.repeat, a.warmup)
        results["apply_async_get_us"] = result("apply_async + get", "us", k, [x * 1e6 / k for x in s])

    if a.json:
        print(json.dumps({"tool": "python", "python": sys.version.split()[0], "workers": a.workers,
                          "start_method": multiprocessing.get_start_method(), "repeat": a.repeat,
                          "results": results}))
        return
    print(f"multiprocessing.Pool({a.workers}) overhead: no-op tasks, median of {a.repeat} repeats "
          f"(Python {sys.version.split()[0]})")
    print(f"{'measurement':36} {'count':>10} {'median':>12} {'min':>12}  unit")
    for r in results.values():
        print(f"{r['label']:36} {r['items']:>10} {r['median']:>12.4g} {r['min']:>12.4g}  {r['unit']}")


if __name__ == "__main__":
    main()
