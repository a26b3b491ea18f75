"""The report's "Simulated scaling" section: SMPI's records, simulated
seconds on a described platform, apart from every measured series."""

from __future__ import annotations

from . import simulated
from .numbers import r as _r, s as _s

# What a simulated run cost on the machine that ran it.
COST = ("wall here (s)", "peak memory here (GiB)")
GIB = 1 << 30


def write_section(doc, add_figure, draw, section, level) -> None:
    """The figure of the maps, the maps by ranks, every map and every other
    scenario, and what the simulations cost here, by ranks."""
    if not section.simulated:
        return
    doc.heading(level, "Simulated scaling (SimGrid SMPI)")
    doc.para("Simulated seconds on the named platform (jobs/platforms/), not measured on "
             "this machine: tasks of task_us cost exactly that in simulated time. "
             "ideal = items × task_us / ranks; efficiency = ideal / makespan; overhead per "
             "task = (makespan − ideal) × ranks / items. See docs/scaling.md for what SMPI "
             "models.")
    if any(p.row["host_time"] == "skipped" for p in section.simulated):
        doc.para("\"Host time not replayed\" (host_time skipped): those runs count no "
                 "computation of the ranks' own code between MPI calls, only communication and "
                 "the tasks' simulated cost: a lower bound, never comparable with the others, "
                 "which replay the host's CPU time.")
    builds = simulated.builds(section.simulated)
    tables = _Tables(doc, builds[0] if len(builds) > 1 else None)
    if tables.common:
        doc.para(f"These records come from {len(builds)} builds ({', '.join(builds)}; a "
                 "configuration run on several is shown by its newest build's records): "
                 f"a figure marked [build] ran on that build, every other on {tables.common}.")
    series = simulated.map_series(section.simulated)
    if series:
        add_figure("simulated_map", draw, series,
                   f"Simulated pool map: efficiency and overhead per task ({section.provenance.label})")
        tables.by_ranks(series)
    rows = [p.row for p in section.simulated]
    tables.maps([r for r in rows if r["method"] == "map"])
    tables.others([r for r in rows if r["method"] != "map"])
    tables.cost_by_ranks(rows)


class _Tables:
    """The section's tables. `common` is the build most of its records ran
    on when they come from several (else None): then each table has a build
    column and each figure of another build is marked."""

    def __init__(self, doc, common):
        self.doc, self.common = doc, common

    def _build(self, value) -> list:
        """The build column's header or cell: [value] where the section
        holds several builds, else nothing."""
        return [value] if self.common else []

    def _mark(self, row) -> str:
        """" [build]" for a row of another build than most of the section's."""
        return f" [{row['build']}]" if self.common and row["build"] != self.common else ""

    def maps(self, maps) -> None:
        if maps:
            self.doc.table(["platform", "ranks", "nodes", "schedule", "task (µs)", "items", "scaling",
                            "makespan (s)", "ideal (s)", "efficiency", "overhead (µs/task)",
                            *self._build("build"), *COST],
                           [[_where(r), r["ranks"], r["nodes"], simulated.schedule_label(r),
                             _task_us(r["task_us"]), r["items"], r["scaling"], _s(r["makespan_s"]), _s(r["ideal_s"]),
                             _r(r["efficiency"]) if r["task_us"] else "–",
                             _s(r["overhead_us_per_task"]), *self._build(r["build"]), *_cost(r)]
                            for r in maps])

    def others(self, others) -> None:
        if others:
            self.doc.table(["platform", "method", "ranks", "nodes", "items", "makespan (s)",
                            "error reached every rank (s)", "same error everywhere", "check",
                            *self._build("build"), *COST],
                           [[_where(r), r["method"], r["ranks"], r["nodes"], r["items"],
                             _s(r["makespan_s"]), _s(r["error_reach_s"] or None),
                             {True: "yes", False: "NO"}.get(r["same_error_everywhere"], "–"), r["check"],
                             *self._build(r["build"]), *_cost(r)]
                            for r in others])

    def by_ranks(self, series) -> None:
        """The figure's maps in numbers: a row per series, a column per rank
        count; each cell efficiency (a no-op map's makespan) and overhead per task."""
        ranks = sorted({p.row["ranks"] for pts in series.values() for p in pts})
        several = len({key[0] for key in series}) > 1
        rows = []
        for key in sorted(series, key=lambda k: (k[0], k[5], k[4], k[3], k[2])):
            platform, _study, schedule, task_us, items, host_time = key
            at = {p.row["ranks"]: p.row for p in series[key]}
            what = f"{items} × {simulated.task_label(task_us)}"
            what += f" on {platform}" if several else ""
            what += simulated.host_time_note(host_time)
            rows.append([what, schedule, *(self._by_ranks_cell(at.get(n), task_us) for n in ranks)])
        self.doc.para("The maps by ranks: efficiency (no-op tasks: the makespan), then the rank-time "
                      "lost per task. A row \"N a rank (weak)\" is weak scaling: N × ranks tasks at "
                      "each rank count; every other row keeps its number of tasks.")
        self.doc.table(["tasks", "schedule", *(f"{n:,} ranks" for n in ranks)], rows)

    def _by_ranks_cell(self, row, task_us) -> str:
        if row is None:
            return "–"
        over = row["overhead_us_per_task"]
        lost = f"{over:,.0f} µs" if over >= 1000 else f"{_s(over)} µs"
        if task_us:
            return f"{row['efficiency']:.1%}, {lost}{self._mark(row)}"
        return f"makespan {_s(row['makespan_s'] * 1e3)} ms, {lost}{self._mark(row)}"

    def cost_by_ranks(self, rows) -> None:
        """What running the configurations of each size took here (those whose
        records say so): wall time in all, the slowest, the most memory; by
        build too when the section holds several."""
        costed = [r for r in rows if r["wall_s"] != "" and r["peak_rss_bytes"] != ""]
        if not costed:
            return
        table = []
        for n, *build in sorted({(r["ranks"], *self._build(r["build"])) for r in costed}):
            at = [r for r in costed if r["ranks"] == n and self._build(r["build"]) == build]
            slowest = max(at, key=lambda r: r["wall_s"])
            what = slowest["method"] + (f" {simulated.schedule_label(slowest)}, {slowest['items']:,} × "
                                        f"{simulated.task_label(slowest['task_us'])}"
                                        if slowest["method"] == "map" else "")
            table.append([n, *build, len(at),
                          f"{sum(r['wall_s'] for r in at) / 60:.1f}",
                          f"{slowest['wall_s']:.0f} ({what})",
                          f"{max(r['peak_rss_bytes'] for r in at) / GIB:.2f}"])
        self.doc.para("What the simulations cost on the machine that ran them (one at a time), by ranks.")
        self.doc.table(["ranks", *self._build("build"), "configurations", "wall time in all (min)",
                        "slowest (s)", "peak memory (GiB)"], table)


def _where(row) -> str:
    return simulated.where_label(row["platform"], row["host_time"])


def _task_us(value) -> str:
    """A task's cost in µs as written: 1,000, not :g's 1e+03."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,g}"


def _cost(row) -> list:
    peak = row["peak_rss_bytes"]
    return [_s(row["wall_s"] or None), f"{peak / GIB:.2f}" if peak != "" else "–"]
