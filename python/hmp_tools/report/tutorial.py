"""The tutorial's own comparisons: runtime against the number of matrices.

The tutorial plots, for a fixed matrix size, how the runtime grows with the
number of matrices: sequential against pool.map for the 2D autocorrelation
and the 2D FFT, and OpenMP (its numba stand-in) against sequential for the
determinants. Each layout of the parallel method is its own line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TUTORIAL_METHODS = {
    "autocorr": ("sequential", "pool.map"),
    "fft2": ("sequential", "pool.map"),
    "determinants": ("sequential", "openmp"),
}


@dataclass
class ItemsFigure:
    provenance: object
    app: str
    algorithm: str | None
    study: str | None
    size: int
    lines: dict = field(default_factory=dict)   # label -> configs by items

    @property
    def title(self) -> str:
        methods = " vs ".join(TUTORIAL_METHODS[self.app])
        extra = "".join(f", {k} {v}" for k, v in
                        (("algorithm", self.algorithm), ("study", self.study)) if v)
        return f"{self.app}: {methods}, {self.size}×{self.size} matrices{extra}"

    @property
    def slug(self) -> str:
        bits = ["items", self.app, self.algorithm or "", self.study or "", f"n{self.size}"]
        return "_".join(b for b in bits if b).replace("/", "-").replace(" ", "-")


def items_figures(configs) -> list:
    groups = {}
    for c in configs:
        if c.scaling == "weak" or c.method not in TUTORIAL_METHODS.get(c.app, ()):
            continue
        groups.setdefault((c.app, c.algorithm or "", c.study or "", c.size), []).append(c)
    figures = []
    for key in sorted(groups):
        app, algorithm, study, size = key
        lines = {}
        for c in groups[key]:
            label = c.method if c.method == "sequential" and c.workers == 1 \
                else f"{c.method}, {c.layout}"
            order = TUTORIAL_METHODS[app].index(c.method)
            lines.setdefault((order, c.workers, label), []).append(c)
        # Only a sweep over items makes this figure; single points say nothing.
        if not any(len({c.items for c in line}) >= 2 for line in lines.values()):
            continue
        figure = ItemsFigure(groups[key][0].provenance, app, algorithm or None,
                             study or None, size)
        for (_, _, label), line in sorted(lines.items()):
            figure.lines[label] = sorted(line, key=lambda c: c.items)
        figures.append(figure)
    return figures
