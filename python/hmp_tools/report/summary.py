"""The one-screen summary printed on stdout (the report has the rest)."""

from __future__ import annotations

import math

MAX_STRONG = 10
MAX_WEAK = 4


def _f(x, fmt) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _short(g) -> str:
    text = g.app + (f"/{g.algorithm}" if g.algorithm else "") + f" n={g.size}"
    text += f" m={g.items}" if g.items is not None else ""
    return text + (f" [{g.study}]" if g.study else "")


def _largest(analysis, kind) -> list:
    """(section index, group, series, point at the largest p) worth a line."""
    out = []
    for i, section in enumerate(analysis.sections, start=1):
        for g in getattr(section, kind):
            for s in g.series:
                top = max(s.points, key=lambda p: p.workers)
                # A point measured against itself says nothing.
                if top.workers > 1 and top.config is not s.baseline:
                    out.append((i, g, s, top))
    # Fitted series (whole sweeps) first; single comparisons after.
    out.sort(key=lambda row: row[2].fit is None)
    return out


def summary(analysis, written, out_dir) -> str:
    loaded = analysis.loaded
    failed = analysis.all("failed")
    lines = [f"hmp-report: {len(loaded.records)} records from {len(loaded.files)} file(s), "
             f"{len(loaded.skipped)} line(s) skipped, {len(failed)} failed configuration(s)"]
    pairs = sorted({(r.build, r.host) for r in loaded.records})
    if analysis.mixed:
        lines.append(f"provenance: {analysis.sections[0].provenance.label} (pooled by --mixed)")
    elif len(pairs) > 1:
        lines.append(f"provenance: {len(pairs)} build/host combinations, reported "
                     "separately as [1]..[{}] (--mixed pools them)".format(len(pairs)))
    else:
        lines.append(f"provenance: {analysis.sections[0].provenance.label}")
    tag = len(analysis.sections) > 1

    def where(i, g):
        return ((f"[{i}] " if tag else "") + _short(g))[:30]

    strong = _largest(analysis, "strong")
    if strong:
        lines.append("strong scaling at the largest p (speed-up, efficiency, Amdahl f):")
        for i, g, s, top in strong[:MAX_STRONG]:
            f = s.fit.serial_fraction if s.fit else math.nan
            lines.append(f"  {where(i, g):30} {s.label[:18]:18} p={top.workers:<4}"
                         f"S={_f(top.speedup, '.2f'):<6} E={_f(top.efficiency, '.2f'):<5}"
                         f" f={_f(f, '.3f')}")
        if len(strong) > MAX_STRONG:
            lines.append(f"  ... and {len(strong) - MAX_STRONG} more series in the report")
    weak = _largest(analysis, "weak")
    if weak:
        lines.append("weak scaling at the largest p (efficiency T1/Tp):")
        for i, g, s, top in weak[:MAX_WEAK]:
            lines.append(f"  {where(i, g):30} {s.label[:18]:18} p={top.workers:<4}"
                         f"E={_f(top.efficiency, '.2f')}")
        if len(weak) > MAX_WEAK:
            lines.append(f"  ... and {len(weak) - MAX_WEAK} more series in the report")
    if not strong and not weak:
        lines.append("no parallel run to compare with a baseline; see the report's tables")
    lines.append(f"wrote {len(written['figures'])} figure(s), {len(written['tables'])} "
                 f"CSV table(s), report.html to {out_dir}")
    return "\n".join(lines)
