#!/usr/bin/python3
"""Every jobs/slurm/<app>.sbatch's DEFAULT_ARGS are options its real app
accepts (hmp-sum refuses a --size other than 1: it would be ignored), with
only the amount of work made small, and hmp-sum's defaults sum many numbers."""

import os
import re
import shlex
import subprocess
import tempfile
import unittest
from pathlib import Path

from jobslib import APPS, REPO, read_jsonl, root_env

APPS_DIR = os.environ.get("HMP_APPS_DIR")
SMALL = {"--items": "3", "--repeat": "1", "--warmup": "0", "--size": None}


def default_args(app: str) -> list:
    text = (REPO / "jobs" / "slurm" / f"{app}.sbatch").read_text()
    (line,) = re.findall(r"^DEFAULT_ARGS=\((.*)\)$", text, re.M)
    return shlex.split(line)


def small(args: list) -> list:
    """The same options with --items/--repeat/--warmup small, --size at most 16."""
    out = list(args)
    for i in range(len(out) - 1):
        if out[i] in SMALL:
            out[i + 1] = SMALL[out[i]] or str(min(int(out[i + 1]), 16))
    return out


class SbatchDefaults(unittest.TestCase):
    def setUp(self):
        if not APPS_DIR or not (Path(APPS_DIR) / "hmp-sum").exists():
            self.skipTest(f"the apps are not built in this build ({APPS_DIR or 'HMP_APPS_DIR unset'})")

    def test_sum_defaults_sum_many_numbers(self):
        args = default_args("sum")
        self.assertNotIn("--size", args, "hmp-sum's items are single numbers: --size is refused")
        self.assertGreaterEqual(int(args[args.index("--items") + 1]), 10**7, args)

    def test_every_app_accepts_its_defaults(self):
        for app in APPS:
            with self.subTest(app=app), tempfile.TemporaryDirectory() as tmp:
                records = Path(tmp) / "r.jsonl"
                cmd = ["mpirun", "-np", "1", str(Path(APPS_DIR) / f"hmp-{app}"), *small(default_args(app)),
                       "--records", str(records)]
                res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=root_env())
                self.assertEqual(res.returncode, 0, f"{shlex.join(cmd)}\n{res.stdout}\n{res.stderr}")
                self.assertTrue(all(r["items"] == 3 for r in read_jsonl(records)))

    def test_sum_refuses_a_size(self):
        res = subprocess.run(["mpirun", "-np", "1", str(Path(APPS_DIR) / "hmp-sum"), "--items", "64",
                              "--size", "1000000"], capture_output=True, text=True, timeout=60, env=root_env())
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("hmp-sum: --size 1000000: hmp-sum's items are single numbers", res.stderr)


if __name__ == "__main__":
    unittest.main()
