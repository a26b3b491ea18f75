"""PNG figures: scaling curves and the tutorial's runtime-vs-items plots.

Every figure shows medians with min-max error bars, labelled axes with
units, and (for scaling) the ideal line, so a reader can judge a point
without the tables.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on cluster nodes or in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter  # noqa: E402

from . import metrics  # noqa: E402

DPI = 100


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
    if values and max(values) / min(values) >= 20:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def scaling_figure(group, path) -> None:
    """Strong: runtime, speed-up, efficiency. Weak: runtime, efficiency."""
    strong = group.kind == "strong"
    panels = 3 if strong else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2))
    run_ax, eff_ax = axes[0], axes[-1]
    workers = [p.workers for p in group.points]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, series in enumerate(group.series):
        color = colors[i % len(colors)]
        pts = series.points
        p = [x.workers for x in pts]
        med = [x.config.median for x in pts]
        run_ax.errorbar(p, med, yerr=_spread(med, [x.config.min for x in pts],
                                            [x.config.max for x in pts]),
                        marker="o", capsize=3, color=color, label=series.label)
        eff = [x.efficiency for x in pts]
        eff_ax.errorbar(p, eff, yerr=_spread(eff, [x.efficiency_lo for x in pts],
                                            [x.efficiency_hi for x in pts]),
                        marker="o", capsize=3, color=color, label=series.label)
        if strong:
            s = [x.speedup for x in pts]
            axes[1].errorbar(p, s, yerr=_spread(s, [x.speedup_lo for x in pts],
                                               [x.speedup_hi for x in pts]),
                             marker="o", capsize=3, color=color, label=series.label)
            if series.fit is not None:
                grid = np.geomspace(min(workers), max(workers), 50)
                axes[1].plot(grid, metrics.amdahl_speedup(series.fit.serial_fraction, grid),
                             linestyle=":", color=color,
                             label=f"Amdahl fit, f = {series.fit.serial_fraction:.3g}")
    run_ax.set_ylabel("runtime (s), median of repeats")
    run_ax.set_title("runtime (bars: min–max)")
    _log_if_wide(run_ax, [t for x in group.points for t in (x.config.min, x.config.max)])
    if strong:
        sp = axes[1]
        lo, hi = min(workers), max(workers)
        for base in sorted({s.baseline.workers for s in group.series}):
            sp.plot([lo, hi], [lo / base, hi / base], color="grey", linestyle="--",
                    label="ideal" if base == 1 else f"ideal from p = {base}")
        sp.set_ylabel("speed-up S = T1 / Tp (×)")
        sp.set_title("speed-up")
        _worker_axis(sp, workers)
        sp.legend(fontsize="small")
    eff_ax.axhline(1.0, color="grey", linestyle="--", label="ideal")
    eff_ax.set_ylabel("efficiency " + ("S / p" if strong else "T1 / Tp") + " (fraction)")
    eff_ax.set_title("parallel efficiency" if strong else "weak-scaling efficiency")
    top = max([x.efficiency_hi for x in group.points if np.isfinite(x.efficiency_hi)] + [1.0])
    eff_ax.set_ylim(0, 1.1 * top)
    for ax in (run_ax, eff_ax):
        _worker_axis(ax, workers)
    run_ax.legend(fontsize="small")
    fig.suptitle(f"{group.kind} scaling: {group.title}")
    _save(fig, path)


def items_figure(spec, path) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    items = []
    for label, configs in spec.lines.items():
        x = [c.items for c in configs]
        med = [c.median for c in configs]
        items += x
        ax.errorbar(x, med, yerr=_spread(med, [c.min for c in configs], [c.max for c in configs]),
                    marker="o", capsize=3, label=label)
    _log_if_wide(ax, items, axis="x")
    _log_if_wide(ax, [c.median for line in spec.lines.values() for c in line])
    ax.set_xlabel("number of matrices (items)")
    ax.set_ylabel("runtime (s), median of repeats")
    ax.set_title(spec.title, fontsize="medium")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    _save(fig, path)
