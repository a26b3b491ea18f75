"""Collapsing records into configurations: one point per layout.

A configuration may have been measured by several records (a sweep run
twice, a job retried); their repeats are pooled before taking the median,
so each point's median and min-max spread describe every repeat measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..layout import RanksAndThreads


@dataclass(frozen=True)
class Config(RanksAndThreads):
    provenance: object
    scaling: str
    app: str
    algorithm: str | None
    study: str | None
    size: int
    items: int
    method: str
    ranks: int
    threads: int
    nodes: int
    ranks_per_node: int
    seconds: tuple
    records: int
    imbalance: float
    checks: tuple

    @property
    def median(self) -> float:
        return float(np.median(self.seconds))

    @property
    def min(self) -> float:
        return float(np.min(self.seconds))

    @property
    def max(self) -> float:
        return float(np.max(self.seconds))

    @property
    def layout(self) -> str:
        rank_s = "rank" if self.ranks == 1 else "ranks"
        thread_s = "thread" if self.threads == 1 else "threads"
        text = f"{self.ranks} {rank_s} × {self.threads} {thread_s}"
        return text + (f" on {self.nodes} nodes" if self.nodes > 1 else "")


@dataclass(frozen=True)
class Failed:
    provenance: object
    app: str
    algorithm: str | None
    size: int
    items: int
    method: str
    ranks: int
    threads: int
    nodes: int
    records: int
    reasons: tuple
    sources: tuple


# Methods that run on root alone whatever the job's layout (`--method all`
# at 2 ranks still times sequential on one core): their records at every
# layout are one configuration at 1 rank × 1 thread, not a series of their own.
ONE_CORE = {"sequential"}


def layout_of(record) -> tuple:
    """(ranks, threads, nodes, ranks_per_node) the method really used."""
    if record.method in ONE_CORE:
        return (1, 1, 1, 1)
    return (record.ranks, record.threads, record.nodes, record.ranks_per_node)


def config_key(record):
    return (record.scaling, record.app, record.algorithm or "", record.study or "",
            record.size, record.items, record.method, *layout_of(record))


def imbalance(busy) -> float:
    """max/mean of per-rank busy seconds; NaN when it says nothing."""
    if not busy:
        return float("nan")
    mean = float(np.mean(busy))
    return float(np.max(busy)) / mean if mean > 0 else float("nan")


def build_configs(provenance, records) -> tuple:
    """(configs, failed) for the records of one provenance group."""
    good, bad = {}, {}
    for record in records:
        (bad if record.failure else good).setdefault(config_key(record), []).append(record)
    configs = []
    for key in sorted(good):
        group = good[key]
        first = group[0]
        ratios = [imbalance(r.busy_seconds) for r in group]
        ratios = [x for x in ratios if x == x]
        ranks, threads, nodes, ranks_per_node = layout_of(first)
        configs.append(Config(
            provenance=provenance, scaling=first.scaling, app=first.app,
            algorithm=first.algorithm, study=first.study, size=first.size,
            items=first.items, method=first.method, ranks=ranks,
            threads=threads, nodes=nodes, ranks_per_node=ranks_per_node,
            seconds=tuple(s for r in group for s in r.seconds),
            records=len(group),
            # Median over records: one odd run should not define the point.
            imbalance=float(np.median(ratios)) if ratios else float("nan"),
            checks=tuple(sorted({r.check for r in group}))))
    failed = []
    for key in sorted(bad):
        group = bad[key]
        first = group[0]
        failed.append(Failed(
            provenance=provenance, app=first.app, algorithm=first.algorithm,
            size=first.size, items=first.items, method=first.method,
            ranks=first.ranks, threads=first.threads, nodes=first.nodes,
            records=len(group),
            reasons=tuple(sorted({r.failure for r in group})),
            sources=tuple(f"{r.source}:{r.line}" for r in group)))
    return configs, failed
