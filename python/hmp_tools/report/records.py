"""Reading and validating JSON Lines run records.

A bad line never stops the analysis: it becomes a `Skipped` entry carrying
`file:line: reason`, and the rest of the file is still read.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import schema, untrusted_json
from ..layout import RanksAndThreads

REQUIRED = schema.required()
# A run that failed may have no usable timings; everything else is still
# needed to say which configuration failed.
TIMING = ("seconds", "seconds_min", "seconds_median", "busy_seconds")
CHECKS = ("passed", "failed", "skipped")
# hmp-bench-scale's own fields a simulated table shows (records.schema.json),
# and what the simulation cost here (the sweep's).
SIM_FIELDS = ("schedule", "chunksize", "task_us", "makespan_s", "ideal_s", "efficiency",
              "overhead_us_per_task", "error_reach_s", "first_reach_s",
              "same_error_everywhere", "per_rank_us", "elapsed_seconds", "peak_rss_bytes")
# Folder scans pick only these, so other JSON beside the records is ignored.
RECORD_SUFFIXES = (".jsonl", ".ndjson")


class BadRecord(ValueError):
    """A record that cannot be used; the message is the reason shown."""


class InputError(Exception):
    """The inputs as a whole are unusable (missing path, nothing to read)."""


@dataclass(frozen=True)
class Record(RanksAndThreads):
    source: str
    line: int
    app: str
    method: str
    items: int
    size: int
    ranks: int
    nodes: int
    ranks_per_node: int
    threads: int
    seconds: tuple
    busy_seconds: tuple
    check: str
    build: str
    host: str
    job_id: object
    time: datetime
    study: str | None = None
    scaling: str = "strong"
    status: str = "ok"
    algorithm: str | None = None
    # SimGrid's SMPI: seconds are simulated on `platform`, never pooled with
    # measured ones; `figures` holds hmp-bench-scale's fields (SIM_FIELDS).
    simulated: bool = False
    platform: str | None = None
    host_time: str | None = None  # simulated: "replayed" or "skipped" (records.schema.json)
    figures: tuple = ()

    def figure(self, name):
        return dict(self.figures).get(name)

    @property
    def failure(self) -> str | None:
        """Why this record must not be used for timings, or None."""
        if self.status != "ok":
            return f"status {self.status}"
        if self.check == "failed":
            # A wrong answer makes its timing meaningless for scaling.
            return "check failed"
        return None


@dataclass(frozen=True)
class Skipped:
    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass
class Loaded:
    records: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    files: list = field(default_factory=list)


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(obj, name) -> str:
    value = obj[name]
    if not isinstance(value, str) or not value:
        raise BadRecord(f"{name}: expected a non-empty string, got {_short(value)}")
    return value


def _count(obj, name, minimum) -> int:
    value = obj[name]
    # Integral floats (4.0) are accepted: some JSON writers emit them.
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())):
        raise BadRecord(f"{name}: expected an integer, got {_short(value)}")
    if value < minimum:
        raise BadRecord(f"{name}: must be >= {minimum}, got {_short(value)}")
    return int(value)


def _duration(name, value) -> float:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value < 0):
        raise BadRecord(f"{name}: not a non-negative number: {_short(value)}")
    return float(value)


def _durations(obj, name, allow_empty) -> tuple:
    value = obj[name]
    if not isinstance(value, list):
        raise BadRecord(f"{name}: expected a list of seconds, got {_short(value)}")
    if not value and not allow_empty:
        raise BadRecord(f"{name}: empty list")
    return tuple(_duration(f"{name}[{i}]", v) for i, v in enumerate(value))


def _timestamp(obj) -> datetime:
    value = obj["time"]
    try:
        stamp = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRecord(f"time: not an ISO 8601 timestamp: {_short(value)}") from None
    # The format promises UTC; a stamp without an offset is taken as such.
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc)


def _optional(obj, name):
    value = obj.get(name)
    return None if value is None else str(value)


def parse_record(obj, source="<record>", line=0) -> Record:
    """Validate one decoded JSON value; raise BadRecord with the reason."""
    if not isinstance(obj, dict):
        raise BadRecord(f"not a JSON object but {type(obj).__name__}")
    status = _optional(obj, "status") or "ok"
    needed = [n for n in REQUIRED if status == "ok" or n not in TIMING]
    missing = [n for n in needed if n not in obj]
    if missing:
        raise BadRecord("missing field" + ("s" if len(missing) > 1 else "")
                        + ": " + ", ".join(missing))
    try:
        seconds = _durations(obj, "seconds", allow_empty=False)
        _duration("seconds_min", obj["seconds_min"])
        _duration("seconds_median", obj["seconds_median"])
        busy = _durations(obj, "busy_seconds", allow_empty=True)
    except (BadRecord, KeyError):
        if status == "ok":
            raise
        # Timings of a failed run are reported nowhere, so garbage is harmless.
        seconds, busy = (), ()
    check = _text(obj, "check")
    if check not in CHECKS:
        raise BadRecord(f"check: expected one of {', '.join(CHECKS)}, got {_short(check)}")
    job_id = obj["job_id"]
    if job_id is not None and not isinstance(job_id, (str, int)):
        raise BadRecord(f"job_id: expected a string, integer or null, got {_short(job_id)}")
    parsed = Record(
        source=source, line=line,
        app=_text(obj, "app"), method=_text(obj, "method"),
        items=_count(obj, "items", 0), size=_count(obj, "size", 0),
        ranks=_count(obj, "ranks", 1), nodes=_count(obj, "nodes", 1),
        ranks_per_node=_count(obj, "ranks_per_node", 1),
        threads=_count(obj, "threads", 1),
        seconds=seconds, busy_seconds=busy, check=check,
        build=_text(obj, "build"), host=_text(obj, "host"),
        job_id=job_id, time=_timestamp(obj),
        study=_optional(obj, "study"),
        scaling=(_optional(obj, "scaling") or "strong").lower(),
        status=status.lower(),
        algorithm=_optional(obj, "algorithm"),
        simulated=obj.get("simulated") is True,
        platform=_optional(obj, "platform"),
        host_time=schema.host_time(obj),
        figures=tuple((k, obj[k]) for k in SIM_FIELDS if k in obj),
    )
    invalid = schema.problems(obj)  # the one definition; the checks above say it plainer
    if invalid:
        raise BadRecord(invalid[0])
    return parsed


def record_files(paths) -> list:
    """Expand files and folders (recursively) into record files, in order.

    A path that does not exist is an InputError: a typo must not silently
    produce a report from fewer inputs than asked for.
    """
    found, seen = [], set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InputError(f"no such file or directory: {given}")
        if path.is_dir():
            candidates = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix in RECORD_SUFFIXES)
        else:
            candidates = [path]
        for candidate in candidates:
            key = os.path.realpath(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def load(paths) -> Loaded:
    """Read every record from files and folders; collect what was skipped."""
    loaded = Loaded()
    for path in record_files(paths):
        loaded.files.append(str(path))
        try:
            handle = open(path, encoding="utf-8", errors="replace")
        except OSError as error:
            loaded.skipped.append(Skipped(str(path), 0, f"cannot read: {error.strerror}"))
            continue
        with handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    try:
                        obj = untrusted_json.loads(text)
                    except json.JSONDecodeError as error:
                        msg = error.msg.removesuffix(" at")
                        raise BadRecord(f"invalid JSON (truncated or corrupt line): "
                                        f"{msg} at column {error.colno}") from None
                    loaded.records.append(parse_record(obj, str(path), number))
                except BadRecord as bad:
                    loaded.skipped.append(Skipped(str(path), number, str(bad)))
    return loaded
