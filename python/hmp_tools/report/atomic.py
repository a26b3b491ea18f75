"""Putting a finished report folder in place in one step.

Everything is written into a hidden temporary folder beside the target;
only a complete folder is renamed into place, so a killed run leaves the
old report (or none), never half of a new one. A marker file identifies
folders made by hmp-report, so `--out .` cannot replace unrelated files.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

MARKER = ".hmp-report"


class OutputError(Exception):
    pass


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"--out {target} exists and is not a folder")
    if any(target.iterdir()) and not (target / MARKER).exists():
        raise OutputError(f"--out {target} is a non-empty folder not made by hmp-report; "
                          "refusing to replace it")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux renameat2(RENAME_EXCHANGE)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def staged_directory(target):
    """Yield a private folder; on clean exit it replaces `target` whole."""
    target = Path(os.path.abspath(target))
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield staging
        (staging / MARKER).write_text("made by hmp-report; safe to replace\n")
        # mkdtemp makes 0700; a report should be as readable as any file.
        os.chmod(staging, 0o777 & ~_umask())
        if not target.exists():
            os.rename(staging, target)
        elif not _exchange(staging, target):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / "report")
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        # After an exchange this holds the previous report; else it is junk.
        shutil.rmtree(staging, ignore_errors=True)
