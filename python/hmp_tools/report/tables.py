"""Table rows (plain dicts of raw values) and their CSV files.

The same rows feed the CSV files (full precision, for other tools) and the
report's tables (rounded), so the two can never disagree.
"""

from __future__ import annotations

import csv
import math


def _prov(p) -> dict:
    # Joined with ';' so a mixed group stays visibly mixed in every row.
    return {"build": ";".join(p.builds), "host": ";".join(p.hosts)}


def _group(g) -> dict:
    return {"app": g.app, "algorithm": g.algorithm or "", "study": g.study or "",
            "size": g.size}


def _config(c) -> dict:
    return {"method": c.method, "ranks": c.ranks, "threads": c.threads,
            "nodes": c.nodes, "workers": c.workers, "median_s": c.median,
            "min_s": c.min, "max_s": c.max}


def configuration_rows(configs) -> list:
    return [{**_prov(c.provenance), "scaling": c.scaling, "app": c.app,
             "algorithm": c.algorithm or "", "study": c.study or "", "size": c.size,
             "items": c.items, **_config(c), "ranks_per_node": c.ranks_per_node,
             "records": c.records, "repeats": len(c.seconds),
             "imbalance": c.imbalance, "check": "/".join(c.checks)}
            for c in configs]


def _point_rows(groups, fields) -> list:
    """One row a point of every series: what strong and weak rows share, then fields(series, point)."""
    return [{**_prov(g.provenance), **_group(g), "items": p.config.items, "series": s.label,
             **_config(p.config), "baseline_method": s.baseline.method,
             "baseline_workers": s.baseline.workers, **fields(s, p), "imbalance": p.config.imbalance}
            for g in groups for s in g.series for p in s.points]


def strong_rows(groups) -> list:
    return _point_rows(groups, lambda s, p: {
        "baseline_s": s.baseline.median, "speedup": p.speedup, "speedup_min": p.speedup_lo,
        "speedup_max": p.speedup_hi, "efficiency": p.efficiency, "karp_flatt": p.karp_flatt})


def amdahl_rows(groups) -> list:
    rows = []
    for g in groups:
        for s in g.series:
            if s.fit is not None:
                rows.append({**_prov(g.provenance), **_group(g), "items": g.items,
                             "series": s.label, "points": s.fit.points,
                             "serial_fraction": s.fit.serial_fraction,
                             "max_speedup": s.fit.max_speedup,
                             "rms_relative_error": s.fit.rms_relative_error})
    return rows


def weak_rows(groups) -> list:
    return _point_rows(groups, lambda s, p: {
        "baseline_items": s.baseline.items, "baseline_s": s.baseline.median,
        "efficiency": p.efficiency, "efficiency_min": p.efficiency_lo,
        "efficiency_max": p.efficiency_hi})


def failed_rows(failed) -> list:
    return [{**_prov(f.provenance), "app": f.app, "algorithm": f.algorithm or "",
             "size": f.size, "items": f.items, "method": f.method, "ranks": f.ranks,
             "threads": f.threads, "nodes": f.nodes, "records": f.records,
             "reasons": "; ".join(f.reasons), "sources": " ".join(f.sources)}
            for f in failed]


def skipped_rows(skipped) -> list:
    return [{"file": s.source, "line": s.line, "reason": s.reason} for s in skipped]


def _cell(value):
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    return value


def write_csv(path, rows, columns=None) -> None:
    columns = columns or (list(rows[0]) if rows else [])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k, "")) for k in columns})
