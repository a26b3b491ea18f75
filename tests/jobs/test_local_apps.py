#!/usr/bin/python3
"""The local path end to end with the real apps: jobs/main.sh runs a tiny
study of every workload with the sweep, then the analysis; every record is
complete and checked, the report exists, and a rerun runs nothing."""

import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

from jobslib import REPO, check_passed_records, root_env, tmpdir, write_study

APPS_DIR = os.environ.get("HMP_APPS_DIR")

STUDY = {
    "name": "atiny", "ranks": [1, 2], "threads": [1, 2], "max_workers": "cores",
    "repeats": 2, "warmup": 0, "seed": 7, "timeout": 120,
    "apps": [
        {"app": "sum", "methods": ["sequential", "openmp", "pool.map"], "sizes": [1], "items": [2000]},
        {"app": "determinants", "methods": ["openmp", "pool.shared_array"], "sizes": [8],
         "items": [16]},
        {"app": "autocorr", "methods": ["pool.map"], "sizes": [8], "items": [4],
         "args": {"algorithm": "direct"}},
        {"app": "fft2", "methods": ["openmp", "pool.map"], "sizes": [16], "items": [4]},
        {"app": "processes", "methods": ["together"], "sizes": [10], "items": [2]},
    ],
}


def setUpModule():
    if not APPS_DIR or not (Path(APPS_DIR) / "hmp-sum").exists():
        raise unittest.SkipTest(f"the apps are not built in this build ({APPS_DIR or 'HMP_APPS_DIR unset'})")


def available_study():
    """STUDY, after checking that every app of it is built and lists the
    study's methods (`--list-methods`, which starts no MPI job)."""
    for entry in STUDY["apps"]:
        exe = Path(APPS_DIR) / f"hmp-{entry['app']}"
        listed = subprocess.run([str(exe), "--list-methods"], capture_output=True, text=True,
                                env=root_env(), timeout=60, stdin=subprocess.DEVNULL)
        missing = set(entry["methods"]) - set(listed.stdout.split())
        if listed.returncode != 0 or missing:
            raise AssertionError(f"{exe} --list-methods (exit {listed.returncode}) lacks "
                                 f"{sorted(missing)}: {listed.stderr.strip()[-200:]}")
    return STUDY


class LocalApps(unittest.TestCase):
    def test_main_sh_tiny_study(self):
        tmp = tmpdir("apps")
        self.addCleanup(shutil.rmtree, tmp, True)
        study = available_study()
        path = write_study(tmp, "atiny", study)
        env = root_env()
        env.update(HMP_RESULTS=str(tmp / "results"), HMP_BIN_DIR=APPS_DIR)
        main = [str(REPO / "jobs" / "main.sh"), str(path)]
        done = subprocess.run(main, capture_output=True, text=True, env=env, timeout=200)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        last = done.stdout.strip().splitlines()[-1]
        m = re.fullmatch(r"report: (.+)", last)
        self.assertTrue(m, last)
        self.assertTrue(Path(m.group(1)).is_file())
        study_dir = tmp / "results" / "atiny"
        files = sorted(study_dir.glob("*.jsonl"))
        n = len([l for l in done.stdout.splitlines() if re.match(r"\[\d+/\d+\] ", l)])
        self.assertEqual(len(files), n)
        self.assertEqual({f.name.split("-")[0] for f in files},
                         {a["app"] for a in study["apps"]})
        for record in check_passed_records(self, files):
            self.assertEqual(len(record["seconds"]), 2)
        # resumed: nothing reruns, no file is rewritten
        before = {f.name: f.stat().st_mtime_ns for f in files}
        done = subprocess.run(main, capture_output=True, text=True, env=env, timeout=200)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn(f"0 ran ok, {n} skipped", done.stdout)
        self.assertEqual({f.name: f.stat().st_mtime_ns for f in study_dir.glob("*.jsonl")},
                         before)

