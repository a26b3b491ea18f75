"""Lets the tests import the analysis package and the synthetic-record helpers."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1] / "analysis"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
