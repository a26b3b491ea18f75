"""Strong- and weak-scaling groups built from configurations.

Strong: one group per (app, algorithm, study, size, items); the baseline T1
is the median of `sequential` at 1 rank × 1 thread, else each method's own
smallest ranks×threads run. Weak: one group per (app, algorithm, study,
size), items growing with the workers; efficiency is T1/Tp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import metrics

# Tried in turn until no series holds two points at the same worker count:
# a plain method name is the most readable label, so it is preferred.
_SPLITS = ((), ("threads",), ("threads", "nodes"), ("threads", "nodes", "items"),
           ("threads", "nodes", "items", "ranks_per_node"))


def _workload_title(app, algorithm, size, items=None, study=None) -> str:
    """"fft2, algorithm fft, size 64, 500 items, study s", each part but the
    app and the size only when given."""
    parts = [app]
    if algorithm:
        parts.append(f"algorithm {algorithm}")
    parts.append(f"size {size}")
    if items is not None:
        parts.append(f"{items} items")
    if study:
        parts.append(f"study {study}")
    return ", ".join(parts)


@dataclass
class Point:
    config: object
    series: str
    speedup: float          # T_base / T_p (strong only; NaN for weak)
    speedup_lo: float
    speedup_hi: float
    efficiency: float
    efficiency_lo: float
    efficiency_hi: float
    karp_flatt: float

    @property
    def workers(self) -> int:
        return self.config.workers


@dataclass
class Series:
    label: str
    method: str
    baseline: object
    points: list = field(default_factory=list)
    fit: object = None


@dataclass
class Group:
    kind: str
    provenance: object
    app: str
    algorithm: str | None
    study: str | None
    size: int
    items: int | None
    baseline_note: str
    series: list = field(default_factory=list)

    @property
    def workload(self) -> str:
        """"fft2, size 64, 500 items": what was run."""
        return _workload_title(self.app, self.algorithm, self.size, self.items)

    @property
    def problem(self) -> str:
        """"fft2, size 64, study s": what the groups of every items count share."""
        return _workload_title(self.app, self.algorithm, self.size, study=self.study)

    @property
    def title(self) -> str:
        return _workload_title(self.app, self.algorithm, self.size, self.items, self.study)

    @property
    def slug(self) -> str:
        bits = [self.kind, self.app, self.algorithm or "", self.study or "",
                f"n{self.size}", "" if self.items is None else f"m{self.items}"]
        return "_".join(b for b in bits if b).replace("/", "-").replace(" ", "-")

    @property
    def points(self) -> list:
        return [p for s in self.series for p in s.points]

    @property
    def plottable(self) -> bool:
        """Worth a figure: some series spans at least two worker counts."""
        return any(len({p.workers for p in s.points}) >= 2 for s in self.series)


def _label(method, fields, config) -> str:
    parts = []
    for name in fields:
        value = getattr(config, name)
        if name == "threads":
            parts.append(f"{value} thread{'s' if value != 1 else ''}/rank")
        elif name == "nodes":
            parts.append(f"{value} node{'s' if value != 1 else ''}")
        elif name == "items":
            parts.append(f"{value} items")
        else:
            parts.append(f"{value} ranks/node")
    return method + (f" ({', '.join(parts)})" if parts else "")


def split_series(method, configs) -> dict:
    """{label: [configs]} for one method, each label unique in workers."""
    for fields in _SPLITS:
        buckets = {}
        for c in configs:
            buckets.setdefault(tuple(getattr(c, f) for f in fields), []).append(c)
        if all(len({c.workers for c in b}) == len(b) for b in buckets.values()):
            break
    return {_label(method, fields, b[0]): sorted(b, key=lambda c: (c.workers, c.items))
            for _, b in sorted(buckets.items())}


def _sequential_baseline(configs, kind):
    seq = [c for c in configs if c.method == "sequential" and c.ranks == 1 and c.threads == 1]
    if not seq:
        return None
    # Weak: the smallest problem is the one-worker share of the others.
    return min(seq, key=lambda c: (c.items, c.nodes, c.median) if kind == "weak"
               else (c.nodes, c.median))


def _make_group(kind, key, configs) -> Group:
    provenance, app, algorithm, study, size, items = key
    base_all = _sequential_baseline(configs, kind)
    note = ("sequential, 1 rank × 1 thread" if base_all
            else "no sequential 1×1 run: each method against its own smallest ranks×threads run")
    group = Group(kind, provenance, app, algorithm, study, size, items, note)
    methods = {}
    for c in configs:
        methods.setdefault(c.method, []).append(c)
    for method in sorted(methods, key=lambda m: (m != "sequential", m)):
        method_configs = methods[method]
        base = base_all or min(method_configs, key=lambda c: (c.workers, c.items, c.median))
        for label, series_configs in split_series(method, method_configs).items():
            series = Series(label, method, base)
            for c in series_configs:
                series.points.append(_point(kind, label, base, c))
            if kind == "strong" and base.workers == 1:
                series.fit = metrics.fit_amdahl([p.workers for p in series.points],
                                                [p.speedup for p in series.points])
            group.series.append(series)
    return group


def _point(kind, label, base, c) -> Point:
    t1 = base.median
    ratio = metrics.speedup(t1, c.median)
    lo, hi = metrics.speedup(t1, c.max), metrics.speedup(t1, c.min)
    if kind == "weak":
        nan = math.nan
        return Point(c, label, nan, nan, nan, ratio, lo, hi, nan)
    scale = base.workers / c.workers
    # Karp-Flatt needs a true one-worker T1; against a wider baseline it lies.
    kf = metrics.karp_flatt(ratio, c.workers) if base.workers == 1 else math.nan
    return Point(c, label, ratio, lo, hi, ratio * scale, lo * scale, hi * scale, kf)


def build_groups(configs) -> tuple:
    """(strong_groups, weak_groups) for the configurations of one provenance."""
    strong, weak = {}, {}
    for c in configs:
        if c.scaling == "weak":
            key = (c.provenance, c.app, c.algorithm, c.study, c.size, None)
            weak.setdefault(key, []).append(c)
        else:
            key = (c.provenance, c.app, c.algorithm, c.study, c.size, c.items)
            strong.setdefault(key, []).append(c)

    def order(key):
        _, app, algorithm, study, size, items = key
        return (app, algorithm or "", study or "", size, items or 0)

    return ([_make_group("strong", k, strong[k]) for k in sorted(strong, key=order)],
            [_make_group("weak", k, weak[k]) for k in sorted(weak, key=order)])
