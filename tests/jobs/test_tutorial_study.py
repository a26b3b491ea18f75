#!/usr/bin/python3
"""The tutorial study from the README's command: `jobs/main.sh --study
tutorial` (what `bash scripts/main.sh --study tutorial` runs after the
build) plans the tutorial's axes, `--full` the full ones; the same study
with fewer matrices runs with the real apps and its report has the Tutorial
section: the three figures, with the tutorial's published points."""

import json
import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

from jobslib import REPO, root_env, tmpdir, write_study

APPS_DIR = os.environ.get("HMP_APPS_DIR")
STUDIES = REPO / "jobs" / "studies"


def planned(*args):
    env = root_env()
    env.update(HMP_BIN_DIR=APPS_DIR)
    done = subprocess.run([str(REPO / "jobs" / "main.sh"), *args, "--dry-run"], capture_output=True,
                          text=True, env=env, timeout=120)
    lines = [l for l in done.stdout.splitlines() if re.match(r"\s*\d+ \S+ \[", l)]
    return done, [l.split()[1] for l in lines]


class TutorialStudy(unittest.TestCase):
    def setUp(self):
        if not APPS_DIR or not (Path(APPS_DIR) / "hmp-autocorr").exists():
            self.skipTest(f"the apps are not built in this build ({APPS_DIR or 'HMP_APPS_DIR unset'})")

    def test_the_readme_command_plans_the_tutorials_axes(self):
        readme = (REPO / "README.md").read_text()
        self.assertIn("bash scripts/main.sh --study tutorial", readme)
        done, ids = planned("--study", "tutorial")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        items = lambda app, extra="": sorted({int(re.search(r"-i(\d+)-", i).group(1))  # noqa: E731
                                              for i in ids if i.startswith(app + "-") and extra in i})
        self.assertEqual(max(items("autocorr", "algorithm-direct")), 30)
        self.assertEqual(max(items("fft2")), 500)
        self.assertEqual((min(items("determinants")), max(items("determinants"))), (10, 100000))
        self.assertTrue(any(i.startswith("autocorr-pool.map-") and "algorithm-direct" in i for i in ids))
        self.assertLessEqual(len(ids), 120, "the default tutorial study must stay a few minutes")
        done, full = planned("--study", "tutorial", "--full")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        dets = sorted({int(re.search(r"-i(\d+)-", i).group(1)) for i in full if i.startswith("determinants-")})
        self.assertEqual(dets, list(range(10, 100001, 250)))
        done, _ = planned("--study", "no-such-study")
        self.assertEqual(done.returncode, 2)
        self.assertIn("--study 'no-such-study': allowed: smoke tutorial", done.stderr)
        done, _ = planned("--study", "scale-sim")
        self.assertEqual(done.returncode, 2)
        self.assertIn("a simulated study, for SimGrid's smpirun: jobs/sweep simulate", done.stderr)

    def test_a_small_tutorial_study_reports_the_three_figures(self):
        tmp = tmpdir("tutorial")
        self.addCleanup(shutil.rmtree, tmp, True)
        study = json.loads((STUDIES / "tutorial.json").read_text())
        study.update(name="tut-small", repeats=1)
        for entry in study["apps"]:
            entry["items"] = [1, 2]          # two points a line: enough for a figure
        path = write_study(tmp, "tut-small", study)
        env = root_env()
        env.update(HMP_RESULTS=str(tmp / "results"), HMP_BIN_DIR=APPS_DIR)
        done = subprocess.run([str(REPO / "jobs" / "main.sh"), str(path)], capture_output=True, text=True,
                              env=env, timeout=400)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
        report = tmp / "results" / "tut-small" / "report"
        md = (report / "report.md").read_text()
        self.assertIn("Tutorial: runtime against the number of matrices", md)
        figures = sorted(p.name for p in (report / "figures").glob("*_items_*.png"))
        self.assertEqual(len(figures), 4, figures)   # autocorr direct and fft, fft2, determinants
        self.assertEqual(md.count("Python timings (marked"), 2)  # under autocorr direct and fft2
        self.assertIn("a pool of 12 workers", md)


if __name__ == "__main__":
    unittest.main()
