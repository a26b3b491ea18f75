"""How the Python tests run hmp's tools (hmp-sweep, hmp-report).

Installed into the interpreter's environment (a venv: its console scripts
sit beside its python), the tests run those scripts; in the source tree
(CTest sets PYTHONPATH to <repo>/python) they run `python -m` on the
package, so they always test the code the interpreter imports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MODULES = {"hmp-sweep": "hmp_tools.sweep", "hmp-report": "hmp_tools.report"}


def python() -> str:
    return sys.executable if os.path.exists(sys.executable) else "/usr/bin/python3"


def command(name: str) -> list:
    """argv[0:] that runs tool `name`."""
    script = Path(sys.executable).parent / name
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [python(), "-m", MODULES[name]]
