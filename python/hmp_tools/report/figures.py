"""PNG figures: scaling curves and the tutorial's runtime-vs-items plots.

Every figure shows medians with min-max error bars, labelled axes with
units, and (for scaling) labelled ideal lines, so a reader can judge a point
without the tables. A method keeps its colour in every figure of a report
(Palette); the legend gives each series' layouts as ranks × threads; axes
whose values span a decade or more are logarithmic.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on cluster nodes or in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter  # noqa: E402

from . import metrics  # noqa: E402
from .simulated import task_label, where_label  # noqa: E402

DPI = 100
DECADE = 10      # values spanning this ratio get a log axis
MARKERS = ("o", "s", "^", "D", "v", "P")
LINES = ("-", "--", "-.", ":")


class Palette:
    """One colour per method, the same in every figure of one report."""

    def __init__(self, methods):
        ordered = sorted(set(methods), key=lambda m: (m != "sequential", m))
        colors = list(plt.get_cmap("tab10").colors) + list(plt.get_cmap("Dark2").colors)
        self._colors = {m: colors[i % len(colors)] for i, m in enumerate(ordered)}

    def __call__(self, method):
        return self._colors.get(method, "black")


def _styles():
    """Marker and line style of the k-th series of one method in a figure."""
    seen = {}

    def style(method):
        k = seen.get(method, 0)
        seen[method] = k + 1
        return {"marker": MARKERS[k % len(MARKERS)], "linestyle": LINES[k % len(LINES)]}
    return style


def _layouts(points) -> str:
    return ", ".join(f"{p.config.ranks}×{p.config.threads}" for p in points)


def _spread(values, low, high):
    values, low, high = (np.asarray(v, dtype=float) for v in (values, low, high))
    with np.errstate(invalid="ignore"):
        bars = np.vstack([values - low, high - values])
    # A zero time makes S infinite; no bar is better than a crash or a warning.
    return np.clip(np.nan_to_num(bars, nan=0.0, posinf=0.0, neginf=0.0), 0, None)


def _worker_axis(ax, workers):
    workers = sorted(set(workers))
    # Worker counts are usually powers of two; a log axis spaces them evenly.
    if workers and workers[-1] / workers[0] >= 4:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(FixedLocator(workers))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(ScalarFormatter())
    else:
        ax.set_xticks(workers)
    ax.set_xlabel("workers p = ranks × threads")
    ax.grid(True, alpha=0.3)


def _log_if_wide(ax, values, axis="y"):
    values = [v for v in values if v > 0]
    if values and max(values) / min(values) >= DECADE:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")


def _legend_below(fig, axes):
    """One legend for all panels, under them, so no curve is hidden."""
    handles, labels = _unique_handles(axes)
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=min(3, len(labels)), fontsize="small", frameon=False,
               title="method: the layouts of its points as ranks × threads", title_fontsize="small")


def _save(fig, path):
    if not fig.legends:
        fig.tight_layout()
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def _ideal_label(ax, x, y, text):
    ax.annotate(text, xy=(x, y), xytext=(-4, 4), textcoords="offset points", ha="right",
                va="bottom", color="dimgrey", fontsize="small")


def scaling_figure(group, path, palette=None) -> None:
    """Strong: runtime, speed-up, efficiency. Weak: runtime, efficiency."""
    palette = palette or Palette(s.method for s in group.series)
    strong = group.kind == "strong"
    panels = 3 if strong else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.4))
    run_ax, eff_ax = axes[0], axes[-1]
    workers = [p.workers for p in group.points]
    style = _styles()
    for series in group.series:
        color = palette(series.method)
        pts = series.points
        look = dict(style(series.method), capsize=3, color=color,
                    label=f"{series.label}: {_layouts(pts)}")
        p = [x.workers for x in pts]
        med = [x.config.median for x in pts]
        run_ax.errorbar(p, med, yerr=_spread(med, [x.config.min for x in pts],
                                            [x.config.max for x in pts]), **look)
        eff = [x.efficiency for x in pts]
        eff_ax.errorbar(p, eff, yerr=_spread(eff, [x.efficiency_lo for x in pts],
                                            [x.efficiency_hi for x in pts]), **look)
        if strong:
            s = [x.speedup for x in pts]
            axes[1].errorbar(p, s, yerr=_spread(s, [x.speedup_lo for x in pts],
                                               [x.speedup_hi for x in pts]), **look)
            if series.fit is not None:
                grid = np.geomspace(min(workers), max(workers), 50)
                axes[1].plot(grid, metrics.amdahl_speedup(series.fit.serial_fraction, grid),
                             linestyle=":", color=color,
                             label=f"Amdahl fit, f = {series.fit.serial_fraction:.3g}")
    run_ax.set_ylabel("runtime (s), median of repeats")
    run_ax.set_title("runtime (bars: min–max)")
    lo, hi = min(workers), max(workers)
    if strong and hi > lo:
        bases = {id(s.baseline): s.baseline for s in group.series if s.baseline.workers == 1}
        if len(bases) == 1:  # one T1: the ideal runtime is T1/p
            t1 = next(iter(bases.values())).median
            run_ax.plot([lo, hi], [t1 / lo, t1 / hi], color="grey", linestyle="--",
                        label="ideal T1/p")
            _ideal_label(run_ax, hi, t1 / hi, "ideal T1/p")
    _log_if_wide(run_ax, [t for x in group.points for t in (x.config.min, x.config.max)])
    if strong:
        sp = axes[1]
        for base in sorted({s.baseline.workers for s in group.series}):
            text = "ideal S = p" if base == 1 else f"ideal from p = {base}"
            sp.plot([lo, hi], [lo / base, hi / base], color="grey", linestyle="--", label=text)
            _ideal_label(sp, hi, hi / base, text)
        sp.set_ylabel("speed-up S = T1 / Tp (×)")
        sp.set_title("speed-up")
        _worker_axis(sp, workers)
    eff_ax.axhline(1.0, color="grey", linestyle="--", label="ideal E = 1")
    _ideal_label(eff_ax, hi, 1.0, "ideal E = 1")
    eff_ax.set_ylabel("efficiency " + ("S / p" if strong else "T1 / Tp") + " (fraction)")
    eff_ax.set_title("parallel efficiency" if strong else "weak-scaling efficiency")
    top = max([x.efficiency_hi for x in group.points if np.isfinite(x.efficiency_hi)] + [1.0])
    eff_ax.set_ylim(0, 1.1 * top)
    for ax in (run_ax, eff_ax):
        _worker_axis(ax, workers)
    fig.suptitle(f"{group.kind} scaling: {group.title}")
    _legend_below(fig, axes)
    _save(fig, path)


def items_figure(spec, path, palette=None) -> None:
    """Every line of `spec` (median, min-max bars; one colour per method) against
    the number of matrices, and the tutorial's published points (spec.published)."""
    palette = palette or Palette(configs[0].method for configs in spec.lines.values())
    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    items, times = [], []
    style = _styles()
    for label, configs in spec.lines.items():
        method = configs[0].method
        x = [c.items for c in configs]
        med = [c.median for c in configs]
        items += x
        times += med
        ax.errorbar(x, med, yerr=_spread(med, [c.min for c in configs], [c.max for c in configs]),
                    capsize=3, markersize=4, label=label, color=palette(method), **style(method))
    for p in spec.published:
        ax.plot([p.items], [p.seconds], linestyle="none", color=palette(p.method), markersize=12,
                markeredgecolor="black", marker="X" if p.method == "sequential" else "*", label=p.label)
        items.append(p.items)
        times.append(p.seconds)
    _log_if_wide(ax, items, axis="x")
    _log_if_wide(ax, times)
    ax.set_xlabel("number of matrices (items)")
    ax.set_ylabel("runtime (s), median of repeats")
    ax.set_title(spec.title, fontsize="medium")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="x-small")
    _save(fig, path)


def simulated_figure(series, path, _methods_palette=None) -> None:
    """Simulated maps, one column per task cost: efficiency (a no-op map's
    makespan instead) above, overhead per task below, against ranks; a
    colour and marker per schedule, a line style per number of items."""
    costs = sorted({key[3] for key in series})
    fig, axes = plt.subplots(2, len(costs), figsize=(3.4 * len(costs) + 0.6, 6.4), squeeze=False)
    palette = Palette(key[2] for key in series)
    schedules = sorted({key[2] for key in series})
    sizes = sorted({key[4] for key in series})
    platforms = sorted({where_label(key[0], key[5]) for key in series})
    for column, cost in enumerate(costs):
        top, bottom = axes[0][column], axes[1][column]
        ranks = []
        for (platform, _study, schedule, task_us, items, host_time), pts in series.items():
            if task_us != cost:
                continue
            x = [p.row["ranks"] for p in pts]
            ranks += x
            where = f" on {where_label(platform, host_time)}" if len(platforms) > 1 else ""
            look = dict(color=palette(schedule), marker=MARKERS[schedules.index(schedule) % len(MARKERS)],
                        linestyle=LINES[sizes.index(items) % len(LINES)],
                        label=f"{schedule}, {items.label()}{where}")
            top.plot(x, [p.row["efficiency"] if cost else p.row["makespan_s"] for p in pts], **look)
            bottom.plot(x, [p.row["overhead_us_per_task"] for p in pts], **look)
        if cost:
            top.axhline(1.0, color="grey", linestyle="--", label="ideal E = 1")
            top.set_ylim(0, 1.1)
            top.set_title(f"tasks of {task_label(cost)}: efficiency")
        else:
            _log_if_wide(top, [p.row["makespan_s"] for k, pts in series.items() if k[3] == 0
                               for p in pts])
            top.set_title("no-op tasks: makespan")
        bottom.set_title(f"{task_label(cost)} tasks: overhead per task")
        _log_if_wide(bottom, [p.row["overhead_us_per_task"] for k, pts in series.items()
                              if k[3] == cost for p in pts])
        for ax in (top, bottom):
            _worker_axis(ax, ranks)
            ax.set_xlabel("simulated ranks")
    axes[0][0].set_ylabel("efficiency ideal / makespan\n(no-op: makespan, simulated s)")
    axes[1][0].set_ylabel("rank-time lost per task (µs)")
    fig.suptitle("simulated pool map on " + ", ".join(platforms) + " (SimGrid SMPI)")
    fig.tight_layout()
    handles, labels = _unique_handles(axes.flat)
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=min(4, len(labels)), fontsize="small", frameon=False,
               title="schedule, tasks of the map", title_fontsize="small")
    _save(fig, path)


def _unique_handles(axes) -> tuple:
    seen = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen)
