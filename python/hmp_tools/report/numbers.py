"""How the report's tables write numbers: three significant digits, or a
fixed number of decimals; a dash for no value."""

from __future__ import annotations

import math


def s(x) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3g}"


def r(x, digits=2) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "–"
    return "∞" if x == math.inf else f"{x:.{digits}f}"
