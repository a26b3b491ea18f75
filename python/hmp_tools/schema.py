"""The record format, defined once: records.schema.json (JSON Schema 2020-12,
beside this file). The apps' tests, hmp-sweep and hmp-report all validate
records with this module."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema

PATH = Path(__file__).resolve().parent / "records.schema.json"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(PATH.read_text(encoding="utf-8"))


def host_times() -> tuple:
    """A simulated record's values of host_time, the default first."""
    return tuple(schema()["properties"]["host_time"]["enum"])


def host_time(record: dict):
    """A simulated record's host_time (one written before the field existed
    replayed the host's computation, SMPI's default); None for a measured one."""
    if record.get("simulated") is not True:
        return None
    return record.get("host_time", host_times()[0])


@lru_cache(maxsize=1)
def _validator():
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema())
    return cls(schema())


def required() -> tuple:
    """The fields every ok record has (a failed one may lack its timings)."""
    fields = set(schema()["required"]) | set(schema()["else"]["required"])
    return tuple(f for f in schema()["properties"] if f in fields)


def _where(error) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "(record)"


def problems(record) -> list:
    """Why `record` is not a valid record, one short line each ([] when valid)."""
    errors = sorted(_validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    out = []
    missing = [m.group(1) for e in errors if e.validator == "required"
               for m in [_REQUIRED.match(e.message)] if m]
    if missing:
        out.append("missing field" + ("s" if len(missing) > 1 else "") + ": " + ", ".join(missing))
    for error in (e for e in errors if e.validator != "required"):  # missing: said above, once
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        out.append(f"{_where(error)}: {message}")
    return out
