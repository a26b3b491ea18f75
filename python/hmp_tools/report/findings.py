"""The headline of a report: per study, each workload's best method at its
largest layout, with its speed-up and efficiency against the baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    study: str
    workload: str        # "fft2, size 64, 500 items"
    kind: str            # strong or weak
    method: str          # the best series' label
    workers: int
    layout: str          # "2 ranks × 2 threads"
    seconds: float       # its median
    speedup: float       # NaN for weak scaling
    efficiency: float
    baseline: str        # "sequential 1×1: 1.23 s", or what stood in for it
    methods_compared: int


def _baseline_text(best) -> str:
    base = best.series_baseline
    if base.method == "sequential" and base.workers == 1:
        return f"sequential 1×1: {base.median:.3g} s"
    return f"{base.method} at {base.ranks}×{base.threads}: {base.median:.3g} s (no sequential 1×1 run)"


@dataclass(frozen=True)
class _Candidate:
    point: object
    label: str
    series_baseline: object


def _best_at_largest(group):
    """The fastest point among the parallel methods' points at the largest worker count."""
    candidates = [_Candidate(p, s.label, s.baseline) for s in group.series for p in s.points
                  if s.method != "sequential" and math.isfinite(p.config.median)]
    if not candidates:
        return None
    largest = max(c.point.workers for c in candidates)
    at_largest = [c for c in candidates if c.point.workers == largest]
    return min(at_largest, key=lambda c: c.point.config.median), len(at_largest)


def findings(section) -> dict:
    """{study name: [Finding]} for one provenance section, studies in order."""
    out = {}
    for group in list(section.strong) + list(section.weak):
        picked = _best_at_largest(group)
        if picked is None:
            continue
        best, compared = picked
        c = best.point.config
        out.setdefault(group.study or "(no study)", []).append(Finding(
            study=group.study or "(no study)", workload=group.workload, kind=group.kind,
            method=best.label, workers=c.workers, layout=f"{c.ranks} × {c.threads}",
            seconds=c.median, speedup=best.point.speedup, efficiency=best.point.efficiency,
            baseline=_baseline_text(best), methods_compared=compared))
    return out
