"""Waiting for one launched run within its limits: wall seconds, resident
memory (of every process of its session), a line every minute.

The launcher runs in a session of its own (start_new_session), so its
processes are those of session `proc.pid`: mpirun and its ranks, or
smpirun and the simulator, which holds every simulated rank.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
GIB = 1 << 30
NOTE_EVERY = 60.0   # seconds between two "still running" lines


@dataclass
class Watched:
    code: int | None       # exit status (negative: killed by that signal)
    reason: str | None     # why it was stopped, None when it ended by itself
    peak_rss: int          # bytes: the most the session held at once, as far as seen
    seconds: float         # wall seconds from start to end
    # The limit it ran past, as a failure record keeps it: {"timeout_s": s}
    # or {"memory_limit_bytes": n}; empty when it kept within both.
    limits: dict = field(default_factory=dict)


def memory(n_bytes: float) -> str:
    """Bytes as a person reads them: MiB below 1 GiB, else GiB."""
    return f"{n_bytes / GIB:.3g} GiB" if n_bytes >= GIB else f"{n_bytes / (1 << 20):.3g} MiB"


def session_rss(session: int) -> int:
    """Bytes resident in every process of `session` now (0 when none is left)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # pid (comm) state ppid pgrp session ... rss: the comm may hold
        # spaces or parentheses, the fields after its last ')' do not.
        fields = text[text.rfind(")") + 2:].split()
        if len(fields) > 21 and fields[3] == str(session):
            total += int(fields[21]) * PAGE
    return total


def stop(proc: subprocess.Popen, group: bool) -> int:
    """SIGTERM, then SIGKILL after 10 s: to the launcher alone (mpirun and srun
    pass it on; a second one would make mpirun leave its ranks), or to its
    whole process group (`group`: smpirun and the simulator)."""
    def send(sig):
        try:
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        send(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            proc.wait()
    if group:  # what the launcher left behind
        send(signal.SIGKILL)
    return proc.returncode


def _too_much(limit: int, held: int) -> str:
    return f"used more than {memory(limit)} of memory (the limit): {memory(held)}"


def _reap(proc: subprocess.Popen) -> tuple | None:
    """(exit status, peak RSS bytes of the launcher and the children it
    waited for) once it ended, else None."""
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid == 0:
        return None
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss * 1024


def wait(proc: subprocess.Popen, timeout: float, max_rss: int | None = None,
         group: bool = False, note=None) -> Watched:
    """Waits for `proc` (started with start_new_session=True); stops it when
    it runs past `timeout` seconds or its session holds more than `max_rss`
    bytes. `note(text)`, when given, is called every NOTE_EVERY seconds."""
    start = time.monotonic()
    next_note = start + NOTE_EVERY
    peak, pause = 0, 0.02
    while True:
        ended = _reap(proc)
        if ended is not None:
            code, launcher_peak = ended
            peak = max(peak, launcher_peak)
            if max_rss is not None and peak > max_rss:
                return Watched(code, _too_much(max_rss, peak), peak, time.monotonic() - start,
                               {"memory_limit_bytes": max_rss})
            return Watched(code, None, peak, time.monotonic() - start)
        now = time.monotonic()
        rss = session_rss(proc.pid)
        peak = max(peak, rss)
        if max_rss is not None and rss > max_rss:
            code = stop(proc, group)
            return Watched(code, _too_much(max_rss, rss), peak, time.monotonic() - start,
                           {"memory_limit_bytes": max_rss})
        if now - start > timeout:
            code = stop(proc, group)
            return Watched(code, f"did not finish within {timeout:g} s", peak,
                           time.monotonic() - start, {"timeout_s": timeout})
        if note and now >= next_note:
            note(f"running for {now - start:.0f} s, {memory(rss)} resident")
            next_note += NOTE_EVERY
        time.sleep(pause)
        pause = min(1.0, pause * 2)
