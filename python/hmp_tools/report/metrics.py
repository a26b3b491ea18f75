"""The scaling formulas, as plain functions of numbers.

S = T1/Tp, E = S/p, Karp-Flatt e = (1/S - 1/p)/(1 - 1/p), Amdahl
S(p) = 1/(f + (1-f)/p). Kept apart from the record handling so the tests
can check them against hand-computed values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def speedup(t_base: float, t: float) -> float:
    return t_base / t if t > 0 else math.inf


def efficiency(s: float, p: int, p_base: int = 1) -> float:
    """S/p; against a baseline that already had p_base workers, S·p_base/p."""
    return s * p_base / p


def karp_flatt(s: float, p: int) -> float:
    """Experimentally determined serial fraction; undefined at p <= 1."""
    if p <= 1 or not s > 0:
        return math.nan
    return (1.0 / s - 1.0 / p) / (1.0 - 1.0 / p)


def amdahl_speedup(f: float, p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return 1.0 / (f + (1.0 - f) / p)


@dataclass(frozen=True)
class AmdahlFit:
    serial_fraction: float
    points: int
    rms_relative_error: float

    @property
    def max_speedup(self) -> float:
        f = self.serial_fraction
        return 1.0 / f if f > 0 else math.inf


def fit_amdahl(workers, speedups) -> AmdahlFit | None:
    """Least-squares serial fraction from speed-ups against a 1-worker T1.

    Amdahl rearranged is linear in f: 1/S - 1/p = f·(1 - 1/p), so the fit is
    closed-form, f = Σxy/Σx², with no starting guess to go wrong. Points at
    p = 1 carry no information (x = 0); at least two points with p > 1 are
    needed, otherwise the "fit" would just be one Karp-Flatt value.
    f is not clamped: a negative value honestly reports super-linear speed-up.
    """
    p = np.asarray(workers, dtype=float)
    s = np.asarray(speedups, dtype=float)
    keep = (p > 1) & np.isfinite(s) & (s > 0)
    p, s = p[keep], s[keep]
    if len(np.unique(p)) < 2:
        return None
    x = 1.0 - 1.0 / p
    y = 1.0 / s - 1.0 / p
    f = float(np.sum(x * y) / np.sum(x * x))
    predicted = amdahl_speedup(f, p)
    rms = float(np.sqrt(np.mean(((predicted - s) / s) ** 2)))
    return AmdahlFit(serial_fraction=f, points=int(len(p)), rms_relative_error=rms)
