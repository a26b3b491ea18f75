"""Writing the report folder: figures/, tables/, report.md, report.html."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from . import simulated, simulated_section, tables, tutorial
from .document import Document
from .figures import Palette, items_figure, scaling_figure, simulated_figure
from .numbers import r as _r, s as _s
from .findings import findings
from .provenance import provenance_rows
from ..sweep.progress import duration

SKIPPED_SHOWN = 50   # the rest are in tables/skipped.csv and on stderr


def _spread(c) -> str:
    return f"{_s(c.min)}–{_s(c.max)}"


class FigureProgress:
    """One line per figure drawn: k of N, elapsed, about how long is left."""

    def __init__(self, prog, out):
        self.prog, self.out = prog, out
        self.start = time.monotonic()
        self.total = 0

    def __call__(self, done, caption):
        elapsed = time.monotonic() - self.start
        left = elapsed / done * (self.total - done)
        print(f"{self.prog}: figure {done}/{self.total} ({caption}), elapsed {duration(elapsed)}, "
              f"~{duration(left)} remaining", file=self.out, flush=True)


def _planned_figures(analysis) -> int:
    groups = analysis.all("strong") + analysis.all("weak")
    simulated_maps = sum(1 for s in analysis.sections if simulated.map_series(s.simulated))
    return sum(1 for g in groups if g.plottable) + len(analysis.all("items")) + simulated_maps


class _Writer:
    def __init__(self, analysis, directory: Path, progress=None):
        self.analysis = analysis
        self.dir = directory
        self.progress = progress
        if progress:
            progress.total = _planned_figures(analysis)
        self.figures = []
        self.tables = []
        self.doc = Document("hmp scaling report")
        self.palette = Palette(c.method for c in analysis.all("configs"))

    def figure(self, name, draw, obj, caption):
        (self.dir / "figures").mkdir(exist_ok=True)
        # Names come from group labels; a counter keeps them unique anyway.
        rel = f"figures/{len(self.figures) + 1:02d}_{name}.png"
        draw(obj, self.dir / rel, self.palette)
        self.figures.append(rel)
        if self.progress:
            self.progress(len(self.figures), caption)
        self.doc.figure(rel, caption)

    def csv(self, name, rows):
        if rows:
            (self.dir / "tables").mkdir(exist_ok=True)
            tables.write_csv(self.dir / "tables" / name, rows)
            self.tables.append(f"tables/{name}")


def write_report(analysis, directory, progress=None) -> dict:
    """Fill `directory`; return {'figures': [...], 'tables': [...]} (relative).
    `progress(k, caption)`, when given, is called after each figure."""
    w = _Writer(analysis, Path(directory), progress)
    doc, loaded = w.doc, analysis.loaded
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc.para(f"Made {now} from {len(loaded.records)} records in {len(loaded.files)} "
             f"file(s); {len(loaded.skipped)} line(s) skipped as unreadable. Inputs and "
             "provenance are at the end.")
    _provenance_notice(analysis, doc)
    # What a reader came for first; the plots and tables behind it follow.
    _findings(doc, analysis)

    several = len(analysis.sections) > 1
    for index, section in enumerate(analysis.sections, start=1):
        level = 1
        if several:
            doc.heading(1, f"Section {index}: {section.provenance.label}")
            level = 2
        _strong(w, section, level)
        _weak(w, section, level)
        _tutorial(w, section, level)
        simulated_section.write_section(w.doc, w.figure, simulated_figure, section, level)

    _failures(w, analysis)
    _definitions(doc)

    w.csv("configurations.csv", tables.configuration_rows(analysis.all("configs")))
    w.csv("strong_scaling.csv", tables.strong_rows(analysis.all("strong")))
    w.csv("amdahl.csv", tables.amdahl_rows(analysis.all("strong")))
    w.csv("weak_scaling.csv", tables.weak_rows(analysis.all("weak")))
    w.csv("simulated_scaling.csv", simulated.rows(analysis.all("simulated")))
    w.csv("failed.csv", tables.failed_rows(analysis.all("failed")))
    w.csv("skipped.csv", tables.skipped_rows(loaded.skipped))
    _inputs(w, loaded)

    (w.dir / "report.md").write_text(doc.markdown(), encoding="utf-8")
    (w.dir / "report.html").write_text(doc.html(w.dir), encoding="utf-8")
    return {"figures": w.figures, "tables": w.tables}


def _findings(doc, analysis):
    doc.heading(1, "Findings")
    several = len(analysis.sections) > 1
    shown = False
    for section in analysis.sections:
        for study, rows in findings(section).items():
            title = f"Study {study}" if study != "(no study)" else "Records without a study"
            doc.heading(2, title + (f" ({section.provenance.label})" if several else ""))
            doc.table(["workload", "best method at the largest layout", "ranks × threads",
                       "time (s)", "speed-up", "efficiency", "baseline"],
                      [[f.workload + ("" if f.kind == "strong" else " (weak scaling)"),
                        f.method + (f" (best of {f.methods_compared})" if f.methods_compared > 1 else ""),
                        f"{f.layout} (p = {f.workers})", _s(f.seconds), _r(f.speedup) + "×",
                        _r(f.efficiency), f.baseline] for f in rows], cls="findings")
            shown = True
    if shown:
        doc.para("Best method: the fastest median at the largest workers p = ranks × threads "
                 "any parallel method ran; speed-up S = T1/Tp against the baseline, "
                 "efficiency E = S/p. The sections below show every method and layout.")
    else:
        doc.para("No parallel method was measured: nothing to compare with a baseline.")


def _inputs(w, loaded):
    doc = w.doc
    doc.fold("Inputs and provenance")
    doc.heading(1, "Inputs")
    doc.bullets(loaded.files)
    rows = provenance_rows(loaded.records)
    doc.table(["build", "host", "records", "jobs", "first", "last"],
              [[r["build"], r["host"], r["records"], r["jobs"], r["first"], r["last"]]
               for r in rows])
    doc.heading(1, "Files")
    doc.bullets(w.tables + w.figures)
    doc.unfold()


def _provenance_notice(analysis, doc):
    pairs = {(r.build, r.host) for r in analysis.loaded.records}
    if analysis.mixed:
        p = analysis.sections[0].provenance
        doc.para("Warning: MIXED records. These results pool records from different "
                 f"builds ({', '.join(p.builds)}) and/or hosts ({', '.join(p.hosts)}), "
                 "as asked by --mixed; timings may not be comparable.", strong=True)
    elif len(pairs) > 1:
        doc.para(f"The records come from {len(pairs)} different build/host combinations; "
                 "each is analysed in its own section and never pooled "
                 "(--mixed would pool them).", strong=True)


def _strong(w, section, level):
    doc = w.doc
    if not section.strong:
        return
    doc.heading(level, "Strong scaling")
    doc.para("Speed-up S = T1/Tp and efficiency E = S/p against workers p = ranks × threads; "
             "times are medians of all repeats, with the min–max spread. Karp–Flatt "
             "e = (1/S − 1/p)/(1 − 1/p). Imbalance = max/mean of per-rank busy seconds.")
    by_problem = {}
    for g in section.strong:
        by_problem.setdefault((g.app, g.algorithm, g.study, g.size), []).append(g)
    for groups in by_problem.values():
        doc.heading(level + 1, groups[0].problem)
        notes = sorted({g.baseline_note for g in groups})
        doc.para("Baseline: " + "; ".join(notes) + ".")
        for g in groups:
            if g.plottable:
                w.figure(g.slug, scaling_figure, g,
                         f"Strong scaling of {g.title} ({section.provenance.label})")
        rows = []
        for g in groups:
            for s in g.series:
                for p in s.points:
                    c = p.config
                    rows.append([c.items, s.label, c.layout, c.workers, _s(c.median),
                                 _spread(c), _r(p.speedup), _r(p.efficiency),
                                 _r(p.karp_flatt, 3), _r(c.imbalance)])
        doc.table(["items", "series", "layout", "p", "median (s)", "min–max (s)",
                   "speed-up", "efficiency", "Karp–Flatt", "imbalance"], rows)
    fits = [(g, s) for g in section.strong for s in g.series if s.fit is not None]
    doc.heading(level + 1, "Serial fraction (Amdahl fit)")
    if not fits:
        doc.para("No series has a 1-worker baseline and two or more worker counts "
                 "above one, so no Amdahl fit was made.")
        return
    doc.para("Least-squares fit of S(p) = 1/(f + (1 − f)/p) to each series' speed-ups; "
             "1/f bounds the speed-up; rms is the relative fit error.")
    doc.table(["problem", "items", "series", "points", "serial fraction f",
               "max speed-up 1/f", "rms error"],
              [[g.problem, g.items, s.label, s.fit.points,
                _r(s.fit.serial_fraction, 4), _r(s.fit.max_speedup, 1),
                f"{100 * s.fit.rms_relative_error:.1f}%"] for g, s in fits])


def _weak(w, section, level):
    doc = w.doc
    if not section.weak:
        return
    doc.heading(level, "Weak scaling")
    doc.para("Records marked scaling = weak: the work grows with the workers, so the "
             "ideal runtime is constant; efficiency = T1/Tp.")
    for g in section.weak:
        doc.heading(level + 1, g.title)
        doc.para("Baseline: " + g.baseline_note + ".")
        if g.plottable:
            w.figure(g.slug, scaling_figure, g,
                     f"Weak scaling of {g.title} ({section.provenance.label})")
        doc.table(["series", "items", "layout", "p", "median (s)", "min–max (s)",
                   "efficiency", "imbalance"],
                  [[s.label, p.config.items, p.config.layout, p.workers,
                    _s(p.config.median), _spread(p.config), _r(p.efficiency),
                    _r(p.config.imbalance)] for s in g.series for p in s.points])


def _tutorial(w, section, level):
    tutorial.write_section(w.doc, w.figure, items_figure, section.items, level)


def _failures(w, analysis):
    doc = w.doc
    failed = analysis.all("failed")
    if failed:
        doc.heading(1, "Failed configurations")
        doc.para("Runs with status other than ok, or whose check failed; "
                 "they are not used in any table or fit above.")
        doc.table(["app", "size", "items", "method", "layout", "records", "reason"],
                  [[f.app + (f" ({f.algorithm})" if f.algorithm else ""), f.size, f.items,
                    f.method, f"{f.ranks}×{f.threads} on {f.nodes} node(s)", f.records,
                    "; ".join(f.reasons)] for f in failed])
    skipped = analysis.loaded.skipped
    if skipped:
        doc.heading(1, "Skipped lines")
        doc.para(f"{len(skipped)} line(s) could not be used"
                 + (f"; the first {SKIPPED_SHOWN} are listed" if len(skipped) > SKIPPED_SHOWN
                    else "") + ".")
        doc.table(["where", "reason"],
                  [[f"{s.source}:{s.line}", s.reason] for s in skipped[:SKIPPED_SHOWN]])


def _definitions(doc):
    doc.heading(1, "Definitions")
    doc.bullets([
        "p = ranks × threads (workers); T = median wall seconds over all repeats of a "
        "configuration, pooled across records.",
        "Strong-scaling baseline T1: sequential at 1 rank × 1 thread of the same app, "
        "size, items and algorithm; without one, each method's smallest ranks×threads run "
        "(then efficiency = S·p0/p and no Karp–Flatt or Amdahl values).",
        "Speed-up S = T1/Tp; efficiency E = S/p; Karp–Flatt e = (1/S − 1/p)/(1 − 1/p).",
        "Amdahl fit: f minimising Σ(1/S − f − (1 − f)/p)² over points with p > 1.",
        "Weak scaling efficiency = T1/Tp (scaling = weak records, grouped by app, "
        "algorithm, study and size).",
        "Load imbalance = max/mean of the per-rank busy seconds (1 = perfect).",
    ])
