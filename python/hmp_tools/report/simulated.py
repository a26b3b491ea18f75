"""Simulated records (SimGrid's SMPI, "simulated": true): a table and figures
of their own, never pooled with measured seconds.

hmp-bench-scale computes each run's figures (ideal, efficiency, overhead per
task: apps/bench/scale.cpp); a configuration measured by several records is
shown by the record of median makespan, so its figures stay consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

# tables/simulated_scaling.csv, in this order; build is the shown records'
# build; wall_s and peak_rss_bytes are what the shown record's simulation cost
# on the machine that ran it; host_time says whether the simulated time
# counts the host's computation (records.schema.json): two kinds of figure,
# never one series.
COLUMNS = ("platform", "host_time", "study", "method", "ranks", "nodes", "schedule", "chunksize", "task_us", "items",
           "scaling",
           "makespan_s", "ideal_s", "efficiency", "overhead_us_per_task", "error_reach_s",
           "same_error_everywhere", "records", "check", "build", "wall_s", "peak_rss_bytes")


@dataclass(frozen=True)
class Point:
    """One simulated configuration: a row of simulated_scaling.csv."""
    row: dict

    @property
    def series(self) -> tuple:
        r = self.row
        return (r["platform"], r["study"], r["method"], schedule_label(r), r["task_us"], tasks(r),
                r["host_time"])


@dataclass(frozen=True, order=True)
class Tasks:
    """A map series' tasks: a fixed number (strong scaling), or as many a
    rank at every rank count (weak scaling: items grow with the ranks)."""
    per_rank: bool
    count: int

    def __str__(self) -> str:
        return f"{self.count:,} a rank (weak)" if self.per_rank else f"{self.count:,}"

    def label(self) -> str:
        return f"{self.count:,} tasks a rank (weak)" if self.per_rank else f"{self.count:,} tasks"


def tasks(row) -> Tasks:
    """The series a map's row belongs to by its tasks."""
    if row["scaling"] == "weak":
        return Tasks(True, round(row["items"] / row["ranks"]))
    return Tasks(False, row["items"])


def host_time_note(host_time) -> str:
    """What a series' figures leave out, as its label says it."""
    return ", host time not replayed" if host_time == "skipped" else ""


def where_label(platform, host_time) -> str:
    """The platform as the report names it, and what its figures leave out."""
    return platform + host_time_note(host_time)


def schedule_label(row) -> str:
    """The schedule, with its chunk when one was given (0: the schedule's own)."""
    chunk = row["chunksize"]
    return f"{row['schedule']}, chunksize {chunk}" if chunk else row["schedule"]


def task_label(task_us) -> str:
    """A task's simulated cost as the report names it: no-op, 10 µs, 1 ms."""
    if not task_us:
        return "no-op"
    return f"{task_us:g} µs" if task_us < 1000 else f"{task_us / 1000:g} ms"


def _key(record) -> tuple:
    return (record.platform or "unknown", record.host_time, record.study or "", record.method, record.ranks,
            record.figure("schedule") or "", record.figure("chunksize") or 0,
            record.figure("task_us") or 0, record.items, record.scaling)


def _makespan(record) -> float:
    value = record.figure("makespan_s")
    return value if isinstance(value, (int, float)) else max(record.seconds, default=0.0)


def points(records) -> list:
    """One Point per simulated configuration (usable records only), sorted."""
    groups = {}
    for record in records:
        if record.simulated and record.failure is None:
            groups.setdefault(_key(record), []).append(record)
    out = []
    for key in sorted(groups):
        group = sorted(_newest_build(groups[key]), key=_makespan)
        shown = group[(len(group) - 1) // 2]
        platform, host_time, study, method, ranks, schedule, chunksize, task_us, items, scaling = key
        row = {"platform": platform, "host_time": host_time, "study": study, "method": method, "ranks": ranks,
               "nodes": shown.nodes, "schedule": schedule, "chunksize": chunksize,
               "task_us": task_us, "items": items, "scaling": scaling,
               "makespan_s": _makespan(shown), "records": len(group),
               "check": "/".join(sorted({r.check for r in group})), "build": shown.build}
        for name in ("ideal_s", "efficiency", "overhead_us_per_task", "error_reach_s",
                     "same_error_everywhere", "peak_rss_bytes"):
            value = shown.figure(name)
            row[name] = "" if value is None else value
        wall = shown.figure("elapsed_seconds")
        row["wall_s"] = "" if wall is None else wall
        out.append(Point(row))
    return out


def _newest_build(group) -> list:
    """The records of the build whose record is the latest."""
    newest = max(group, key=lambda r: r.time).build
    return [r for r in group if r.build == newest]


def builds(all_points) -> list:
    """The builds the points were run on, the most common first."""
    count = {}
    for p in all_points:
        count[p.row["build"]] = count.get(p.row["build"], 0) + 1
    return sorted(count, key=lambda b: (-count[b], b))


def rows(all_points) -> list:
    return [{c: p.row[c] for c in COLUMNS} for p in all_points]


def map_series(all_points) -> dict:
    """{(platform, study, schedule label, task_us, Tasks, host_time): [points
    by ranks]} of the maps; a weak series is apart from every fixed-items one,
    a series of the host time not replayed from every replayed one."""
    out = {}
    for p in all_points:
        if p.row["method"] == "map":
            platform, study, _method, schedule, task_us, what, host_time = p.series
            out.setdefault((platform, study, schedule, task_us, what, host_time), []).append(p)
    return {k: sorted(v, key=lambda p: p.row["ranks"]) for k, v in out.items()}
