"""Helpers of the jobs tests: paths, a bin folder of fake apps, running sweep,
checking records."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from python_tools import command

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("HMP_SOURCE_DIR") or HERE.parents[1]).resolve()
SWEEP = command("hmp-sweep")
APPS = ("sum", "determinants", "autocorr", "fft2", "processes")


def root_env() -> dict:
    env = dict(os.environ)
    if os.getuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    # The sweep places ranks itself; the test suites' blanket permission to
    # oversubscribe must not hide a refusal.
    env.pop("OMPI_MCA_rmaps_base_oversubscribe", None)
    return env


def fake_bin(folder: Path) -> Path:
    """folder/bin with hmp-<app> -> fake_app.py for every app, and hmp-info."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for app in APPS:
        (bin_dir / f"hmp-{app}").symlink_to(HERE / "fake_app.py")
    info = os.environ.get("HMP_INFO")
    if info and Path(info).exists():
        (bin_dir / "hmp-info").symlink_to(info)
    return bin_dir


def write_study(folder: Path, name: str, study) -> Path:
    path = folder / f"{name}.json"
    text = study if isinstance(study, str) else json.dumps(study)
    path.write_text(text, encoding="utf-8")
    return path


def sweep(*args, env=None, timeout=240, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*SWEEP, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env or root_env(), **kw)


def read_jsonl(path: Path) -> list:
    """Every line parsed (raises on a half-written line)."""
    return [json.loads(l) for l in Path(path).read_text().splitlines() if l.strip()]


def tmpdir(prefix) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"hmp-{prefix}-"))


class FakeAppFolder:
    """For a TestCase whose setUp makes self.dir (removed after each test)
    and the fake apps' log and control files self.log and self.control."""

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self) -> dict:
        env = root_env()
        env.update(FAKE_APP_LOG=str(self.log), FAKE_APP_CONTROL=str(self.control))
        return env


def check_passed_records(test, files) -> list:
    """Each file holds one record that ran ok and passed its check, at the
    layout its name says (-r<ranks>-t<threads>); returns the records."""
    records = []
    for f in files:
        (record,) = read_jsonl(f)
        test.assertEqual(record["status"], "ok", record)
        test.assertEqual(record["check"], "passed", record)
        r, t = map(int, re.search(r"-r(\d+)-t(\d+)", f.name).groups())
        test.assertEqual((record["ranks"], record["threads"]), (r, t))
        records.append(record)
    return records
