"""The tutorial's figures, drawn again: runtime against the number of matrices.

"HOWTO - Python Multiprocessing" plots, for 100×100 matrices, how the
runtime grows with the number of matrices: scipy's correlate2d (sequential
against pool.map, up to 30 matrices), numpy's fft2 (the same, up to 500) and
the determinants of 10×10 slices (numba's @jit/prange against sequential, 10
to 100,000 slices). Here every method an app ran is one line, at its largest
layout (the tutorial's comparison: every worker at once), and the
tutorial's published Python timings are marked on the same axes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TUTORIAL_APPS = ("autocorr", "fft2", "determinants")
TUTORIAL_WORKERS = 12   # the pool of the tutorial's published runs


@dataclass(frozen=True)
class PublishedPoint:
    """One timing the tutorial prints, with the hmp method doing the same."""
    app: str
    algorithm: str | None    # scipy's correlate2d is the direct method
    method: str
    items: int
    size: int
    seconds: float
    workers: int

    @property
    def label(self) -> str:
        pool = f", pool of {self.workers} workers" if self.workers > 1 else ""
        return f"tutorial (Python{pool}): {self.method}"


PUBLISHED = (
    PublishedPoint("autocorr", "direct", "sequential", 30, 100, 15.63, 1),
    PublishedPoint("autocorr", "direct", "pool.map", 30, 100, 5.57, TUTORIAL_WORKERS),
    PublishedPoint("fft2", None, "sequential", 30, 100, 0.00698, 1),
    PublishedPoint("fft2", None, "pool.map", 30, 100, 1.903, TUTORIAL_WORKERS),
)

# Why the lines lie where they do: the mechanism, per (app, algorithm); the
# numbers (the tutorial's, and these records') are said beside it.
WHY = {
    ("autocorr", "direct"): (
        "A direct correlation of a 100×100 matrix is about 10⁸ multiply-adds, so shipping "
        "a matrix to a worker and its result back is small beside the work and a pool can "
        "gain up to the number of cores it really gets: the tutorial's 12 workers, the "
        "ranks here (2, sharing this machine's 2 cores with whatever else runs on it)."),
    ("autocorr", "fft"): (
        "FFTW computes the same correlation (padded r2c, |A|², c2r) in well under a "
        "millisecond, far faster than the direct method the tutorial's scipy uses: with "
        "work this small, shipping each matrix and its result (pool.map) weighs as much as "
        "the work, while pool.shared_array ships nothing."),
    ("fft2", None): (
        "A 100×100 FFT takes microseconds, so pool.map's runtime is the cost of shipping: "
        "the tutorial pickles every matrix to a worker process and its spectrum back; "
        "hmp's pool.map sends raw bytes over MPI, cheaper but still far above the work. "
        "pool.shared_array ships nothing (every rank holds the matrices; spectra are "
        "written in place into a shared array)."),
    ("determinants", None): (
        "The tutorial gives no timings for this figure, so none are marked. A 10×10 "
        "determinant takes about a microsecond: OpenMP threads (numba's prange) and "
        "pool.shared_array share the tensor, while pool.not_shared sends every slice to "
        "its worker and pays for it."),
}


@dataclass
class ItemsFigure:
    provenance: object
    app: str
    algorithm: str | None
    study: str | None
    size: int
    lines: dict = field(default_factory=dict)       # label -> configs by items
    published: tuple = ()                           # PublishedPoint on these axes

    @property
    def title(self) -> str:
        extra = "".join(f", {k} {v}" for k, v in
                        (("algorithm", self.algorithm), ("study", self.study)) if v)
        return f"{self.app}: runtime against the number of {self.size}×{self.size} matrices{extra}"

    @property
    def slug(self) -> str:
        bits = ["items", self.app, self.algorithm or "", self.study or "", f"n{self.size}"]
        return "_".join(b for b in bits if b).replace("/", "-").replace(" ", "-")

    def what_changed(self) -> str:
        """The tutorial's numbers, ours at the same number of matrices, the
        speed-ups of both, and why."""
        text = []
        if self.published:
            at = self.published[0].items
            theirs = ", ".join(f"{p.method} {p.seconds:.3g} s" for p in self.published)
            text.append(f"The tutorial's published Python timings (marked ✕ and ★; its own "
                        f"machine, a pool of {TUTORIAL_WORKERS} workers) at {at} matrices: {theirs}"
                        f"{_ratios({p.method: p.seconds for p in self.published})}.")
            ours = {label: c.median for label, line in self.lines.items() for c in line if c.items == at}
            if ours:
                here = ", ".join(f"{label} {t:.3g} s" for label, t in ours.items())
                text.append(f"Here, at {at} matrices: {here}{_ratios(ours)}.")
            else:
                text.append(f"This run has no point at {at} matrices to compare with.")
        text.append(WHY[(self.app, self.algorithm if self.app == "autocorr" else None)])
        return " ".join(text)


def _ratios(times: dict) -> str:
    """"; against sequential: pool.map 2.8×, ..." (empty without a sequential time)."""
    seq = times.get("sequential")
    if not seq:
        return ""
    others = [f"{label} {seq / t:.2g}×" for label, t in times.items() if label != "sequential" and t > 0]
    return "; speed-up over sequential: " + ", ".join(others) if others else ""


def _largest_layout(configs):
    """The configs of the method's layout with the most workers (ties: more
    ranks, the tutorial's processes) among layouts swept over items."""
    by_layout = {}
    for c in configs:
        by_layout.setdefault((c.ranks, c.threads, c.nodes), []).append(c)
    swept = {k: v for k, v in by_layout.items() if len({c.items for c in v}) >= 2}
    if not swept:
        return []
    best = max(swept, key=lambda k: (k[0] * k[1], k[0], -k[2]))
    return sorted(swept[best], key=lambda c: c.items)


def _label(c) -> str:
    return c.method if c.method == "sequential" else f"{c.method} ({c.layout})"


def items_figures(configs) -> list:
    groups = {}
    for c in configs:
        if c.scaling == "weak" or c.app not in TUTORIAL_APPS:
            continue
        groups.setdefault((c.app, c.algorithm or "", c.study or "", c.size), []).append(c)
    figures = []
    for key in sorted(groups):
        app, algorithm, study, size = key
        methods = {}
        for c in groups[key]:
            methods.setdefault(c.method, []).append(c)
        # sequential first, then the others by name.
        lines = {}
        for method in sorted(methods, key=lambda m: (m != "sequential", m)):
            line = _largest_layout(methods[method])
            if line:
                lines[_label(line[0])] = line
        if not lines:   # only a sweep over items makes this figure
            continue
        published = tuple(p for p in PUBLISHED if p.app == app and p.size == size
                          and (p.algorithm is None or p.algorithm == (algorithm or None)))
        figures.append(ItemsFigure(groups[key][0].provenance, app, algorithm or None,
                                   study or None, size, lines, published))
    return figures


def write_section(doc, add_figure, draw, figures, level) -> None:
    """The report's "Tutorial" section: each figure, then what changed and why.
    `add_figure(slug, draw, spec, caption)` places a figure (report.py's writer)."""
    if not figures:
        return
    doc.heading(level, "Tutorial: runtime against the number of matrices")
    doc.para("The tutorial's figures drawn again from these records: every method's "
             "median runtime (min–max bars) against the number of matrices, each method "
             "at its largest layout. Points marked ✕ (sequential) and ★ (pool.map) are the "
             f"tutorial's published Python timings, measured on its machine with a pool of "
             f"{TUTORIAL_WORKERS} workers — not on this one, and with more workers than "
             "these runs had.")
    for spec in figures:
        add_figure(spec.slug, draw, spec, spec.title)
        doc.para(spec.what_changed())
