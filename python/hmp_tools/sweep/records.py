"""Record files of a study: one file per configuration, written whole.

results/<study>/<config-id>.jsonl exists only when it is complete: the app
writes into results/<study>/.partial/<config-id>.<pid>.part, and only after
the run succeeded and every expected line parses is the final file written
(temp file + rename). A killed run leaves at most a .part file, which no
reader picks up (analysis reads *.jsonl) and the next run deletes.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import socket
import subprocess
from pathlib import Path

from .. import schema, untrusted_json



def final_path(study_dir: Path, config) -> Path:
    return study_dir / f"{config.id}.jsonl"


def partial_path(study_dir: Path, config) -> Path:
    return study_dir / ".partial" / f"{config.id}.{os.getpid()}.part"


def clear_partials(study_dir: Path, config) -> None:
    """Remove what killed runs of this configuration left behind."""
    folder = study_dir / ".partial"
    if folder.is_dir():
        for stale in folder.glob(f"{config.id}.*.part"):
            stale.unlink(missing_ok=True)


def problems(lines, config) -> str | None:
    """Why these record lines are not the complete result of `config`, or None."""
    records = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = untrusted_json.loads(text)
        except json.JSONDecodeError:
            return f"line {number} is not valid JSON (truncated?)"
        if not isinstance(obj, dict):
            return f"line {number} is not a JSON object"
        records.append(obj)
    if not records:
        return "no records"
    for number, obj in enumerate(records, start=1):
        if obj.get("status", "ok") != "ok":
            return f"record {number} has status {obj.get('status')!r}"
        invalid = schema.problems(obj)
        if invalid:
            return f"record {number} does not match the record schema: {invalid[0]}"
        got = (obj["app"], obj["method"], obj["ranks"], obj["threads"])
        want = (config.app, config.method, config.ranks, config.threads)
        if got != want:
            return (f"record {number} is app/method/ranks/threads {got}, expected {want}")
        # Simulated seconds must never pass for measured ones, nor the reverse.
        got = (obj.get("simulated", False), obj.get("platform"), schema.host_time(obj))
        want = (config.platform is not None, config.platform, config.host_time)
        if got != want:
            return (f"record {number} is simulated/platform/host_time {got}, expected {want}")
    if len(records) != 1:
        return f"{len(records)} records, expected 1 (one method per configuration)"
    return None


def is_complete(study_dir: Path, config) -> bool:
    try:
        text = final_path(study_dir, config).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return problems(text.splitlines(), config) is None


def past_limits(study_dir: Path, config) -> dict:
    """The limits a failed record says its run went past ({"timeout_s": s}
    and/or {"memory_limit_bytes": n}); {} when there is no such record."""
    try:
        obj = untrusted_json.loads(final_path(study_dir, config).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(obj, dict) or obj.get("status") != "failed":
        return {}
    return {k: obj[k] for k in ("timeout_s", "memory_limit_bytes")
            if isinstance(obj.get(k), (int, float)) and not isinstance(obj[k], bool)
            and obj[k] > 0}


def write_whole(path: Path, lines) -> None:
    """Write lines to a temp file beside `path`, fsync, rename: all or nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def slurm_tags() -> dict:
    env = os.environ
    tags = {}
    if env.get("SLURM_ARRAY_JOB_ID"):
        tags["slurm_array_job_id"] = env["SLURM_ARRAY_JOB_ID"]
        tags["slurm_array_task_id"] = env.get("SLURM_ARRAY_TASK_ID")
    return tags


def job_id():
    return os.environ.get("SLURM_JOB_ID") or None


def _typed(text: str):
    """A configuration's argument as a record holds it: numbers as numbers
    (a failed bench-scale run's task_us), anything else as text."""
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        return value if math.isfinite(value) else text
    return text


def tag(obj: dict, study, config) -> dict:
    """What the sweep knows and the app may not have written."""
    obj.setdefault("study", study.name)
    obj.setdefault("config", config.id)
    obj.setdefault("scaling", config.scaling)
    if config.platform is not None:
        obj.setdefault("simulated", True)
        obj.setdefault("platform", config.platform)
        obj.setdefault("host_time", config.host_time)
    for key, value in config.args:
        obj.setdefault(key, _typed(value))
    if obj.get("job_id") is None and job_id():
        obj["job_id"] = job_id()
    for key, value in slurm_tags().items():
        obj.setdefault(key, value)
    return obj


_BUILD = None


def note_build(record: dict) -> None:
    """The apps' own build id (git describe when they were last built), so
    that failure records of this sweep name the same build as its ok ones."""
    global _BUILD
    if isinstance(record.get("build"), str) and record["build"]:
        _BUILD = record["build"]


def build_id(root: Path) -> str:
    global _BUILD
    if _BUILD is None:
        try:
            _BUILD = subprocess.run(
                ["git", "-C", str(root), "describe", "--always", "--dirty", "--tags"],
                capture_output=True, text=True, timeout=10).stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            _BUILD = "unknown"
    return _BUILD


def failed_record(study, config, root: Path, exit_code, reason: str, stderr_tail: str,
                  elapsed: float) -> dict:
    """A record saying the configuration failed; analysis lists it as such."""
    now = datetime.datetime.now(datetime.timezone.utc)
    obj = {
        "app": config.app, "method": config.method, "items": config.items,
        "size": config.size, "ranks": config.ranks, "nodes": 1,
        "ranks_per_node": config.ranks, "threads": config.threads,
        "seconds": [], "seconds_min": None, "seconds_median": None, "busy_seconds": [],
        "check": "skipped", "build": build_id(root), "host": socket.gethostname(),
        "job_id": job_id(), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "failed", "exit_code": exit_code, "reason": reason,
        "stderr_tail": stderr_tail, "elapsed_seconds": round(elapsed, 3),
    }
    nodes = os.environ.get("SLURM_JOB_NUM_NODES")
    if config.nodes > 1:
        obj["nodes"], obj["ranks_per_node"] = config.nodes, config.ranks_per_node
    elif nodes and nodes.isdigit():
        obj["nodes"] = min(int(nodes), config.ranks)
        obj["ranks_per_node"] = -(-config.ranks // obj["nodes"])
    return tag(obj, study, config)


def tail(path: Path, limit_lines=20, limit_chars=2000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 4 * limit_chars))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = text.splitlines()[-limit_lines:]
    return "\n".join(lines)[-limit_chars:]
