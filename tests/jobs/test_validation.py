#!/usr/bin/python3
"""A bad study stops before anything runs: exit 2 and one line
`FILE: FIELD: what is wrong; allowed: ...`; values are never run by a shell."""

import json
import re
import shutil
import unittest

from jobslib import fake_bin, sweep, tmpdir, write_study

GOOD = {
    "name": "v", "ranks": [1], "threads": [1], "repeats": 1, "warmup": 0,
    "apps": [{"app": "sum", "methods": ["sequential"], "sizes": [10], "items": [2]}],
}


def with_(**changes):
    study = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key.startswith("app_"):
            study["apps"][0][key[4:]] = value
        else:
            study[key] = value
    return study


class Validation(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir("validation")
        self.bin = fake_bin(self.dir)
        self.pwned = self.dir / "pwned"
        self.log = self.dir / "runs.log"

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self):
        from jobslib import root_env
        env = root_env()
        env["FAKE_APP_LOG"] = str(self.log)
        return env

    def refused(self, study, field, *, command="local", extra=()):
        """Run the study; expect exit 2, one line naming file and field, and
        that nothing ran."""
        path = write_study(self.dir, "study", study)
        args = [command, path] + list(extra) + ["--bin", self.bin]
        if command in ("local", "slurm"):
            args += ["--results", self.dir / "results"]
        done = sweep(*args, env=self.env())
        lines = done.stderr.splitlines()
        self.assertEqual(done.returncode, 2, done.stderr + done.stdout)
        self.assertEqual(len(lines), 1, done.stderr)
        self.assertTrue(lines[0].startswith(f"{path}: {field}: "), lines[0])
        self.assertIn("; allowed: ", lines[0])
        self.assertEqual(done.stdout, "")
        self.assertFalse(self.log.exists(), "an app ran")
        self.assertFalse((self.dir / "results").exists(), "results were written")
        self.assertFalse(self.pwned.exists(), "a value reached a shell")
        return lines[0]

    def test_good_study_passes(self):
        path = write_study(self.dir, "study", GOOD)
        done = sweep("check", path, "--bin", self.bin)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("1 configurations", done.stdout)

    def test_malformed_json(self):
        self.refused('{"name": "v", "ranks": [1,', "(json)")
        self.refused('{"name": "v", "name": "w"}', "(json)")        # duplicate key
        self.refused('{"name": "v", "ranks": [NaN]}', "(json)")
        self.refused('[1, 2]', "(top level)")
        self.refused("[" * 100_000 + "]" * 100_000, "(json)")          # nested past Python's recursion limit
        self.refused('{"name": "v", "apps": ' + "[" * 900 + "]" * 900 + "}", "(json)")

    def test_missing_file(self):
        done = sweep("check", self.dir / "nope.json", "--bin", self.bin)
        self.assertEqual(done.returncode, 2)
        self.assertRegex(done.stderr, r"^\S+nope.json: \(file\): cannot read: .*; allowed: ")

    def test_unknown_and_missing_keys(self):
        self.refused(with_(rank=[1]), "rank")
        study = with_()
        del study["apps"]
        self.refused(study, "apps")
        self.refused(with_(app_method=["sequential"]), "apps[0].method")
        self.refused(with_(slurm={"qos": "x"}), "slurm.qos")

    def test_unknown_app_and_method(self):
        line = self.refused(with_(app_app="summ"), "apps[0].app")
        self.assertIn("sum, determinants, autocorr, fft2, processes", line)
        line = self.refused(with_(app_methods=["pool.mapp"]), "apps[0].methods[0]")
        self.assertIn("pool.imap_unordered", line)
        # a method of another app
        self.refused(with_(app_methods=["pool.shared_array"]), "apps[0].methods[0]")
        self.refused(with_(app_args={"algorithm": "fft"}), "apps[0].args.algorithm")
        self.refused(with_(app_methods=["all", "openmp"]), "apps[0].methods")

    def test_bad_numbers_and_types(self):
        self.refused(with_(ranks=[0]), "ranks[0]")
        self.refused(with_(threads=[-1]), "threads[0]")
        self.refused(with_(ranks="2"), "ranks")
        self.refused(with_(ranks=[]), "ranks")
        self.refused(with_(ranks=[1, 1]), "ranks[1]")
        self.refused(with_(threads=[1.5]), "threads[0]")
        self.refused(with_(repeats=True), "repeats")
        self.refused(with_(app_items=[0]), "apps[0].items[0]")
        self.refused(with_(app_sizes="10"), "apps[0].sizes")
        self.refused(with_(scaling="linear"), "scaling")
        self.refused(with_(apps=[]), "apps")
        self.refused(with_(timeout=0), "timeout")
        self.refused(with_(max_workers="all"), "max_workers")

    def test_unsafe_names(self):
        self.refused(with_(name=".."), "name")
        self.refused(with_(name="a/b"), "name")
        self.refused(with_(name=""), "name")

    def test_shell_metacharacters_never_run(self):
        touch = f"; touch {self.pwned}"
        self.refused(with_(name="v" + touch), "name")
        self.refused(with_(app_methods=["pool.map" + touch]), "apps[0].methods[0]")
        study = with_(app_app="autocorr", app_methods=["pool.map"],
                      app_args={"algorithm": f"fft$(touch {self.pwned})"})
        self.refused(study, "apps[0].args.algorithm")
        self.refused(with_(slurm={"partition": f"debug`touch {self.pwned}`"}), "slurm.partition",
                     command="slurm")
        self.refused(with_(slurm={"time": f"10 {touch}"}), "slurm.time", command="slurm")

    def test_more_workers_than_cores(self):
        big = 4096  # ranks' upper bound: more than any test machine's cores
        line = self.refused(with_(ranks=[big], app_methods=["pool.map"]), "ranks x threads")
        self.assertIn("--allow-oversubscribe", line)
        self.refused(with_(threads=[1, 1024], app_methods=["pool.map"]), "ranks x threads")
        # asked for: the plan runs oversubscribed, unbound
        path = write_study(self.dir, "study", with_(ranks=[big], app_methods=["pool.map"]))
        done = sweep("local", path, "--allow-oversubscribe", "--dry-run", "--bin", self.bin,
                     "--results", self.dir / "results")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn('"--oversubscribe", "--bind-to", "none"', done.stdout)
        # "max_workers": "cores" drops the larger layouts instead
        path = write_study(self.dir, "study", with_(ranks=[1, big], max_workers="cores",
                                                    app_methods=["pool.map"]))
        done = sweep("local", path, "--dry-run", "--bin", self.bin,
                     "--results", self.dir / "results")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(len(done.stdout.splitlines()), 1, done.stdout)
        self.assertIn('"--map-by", "socket:PE=1", "--bind-to", "core"', done.stdout)

    def test_plan_layouts_and_weak_scaling(self):
        study = with_(scaling="weak", ranks=[1, 2], threads=[1, 2], max_workers=2,
                      app_methods=["sequential", "openmp", "pool.map"], app_items=[10])
        path = write_study(self.dir, "study", study)
        done = sweep("check", path, "--list", "--bin", self.bin)
        self.assertEqual(done.returncode, 0, done.stderr)
        ids = [l.split()[1] for l in done.stdout.splitlines()[:-1]]
        # sequential once at 1x1; openmp at 1 rank; items x ranks x threads
        self.assertEqual(ids, ["sum-sequential-i10-s10-r1-t1", "sum-openmp-i10-s10-r1-t1",
                               "sum-openmp-i20-s10-r1-t2", "sum-pool.map-i10-s10-r1-t1",
                               "sum-pool.map-i20-s10-r1-t2", "sum-pool.map-i20-s10-r2-t1"])

    def test_methods_come_from_the_app(self):
        # An app with another method table: the sweep knows only what it says.
        app = self.bin / "hmp-fft2"
        app.unlink()
        app.write_text("#!/bin/sh\n[ \"$1\" = --list-methods ] && printf 'sequential\\nnew.way\\n'\n")
        app.chmod(0o755)
        study = with_(app_app="fft2", app_methods=["all"])
        path = write_study(self.dir, "study", study)
        done = sweep("check", path, "--list", "--bin", self.bin)
        self.assertEqual(done.returncode, 0, done.stderr)
        ids = [l.split()[1] for l in done.stdout.splitlines()[:-1]]
        self.assertEqual(ids, ["fft2-sequential-i2-s10-r1-t1", "fft2-new.way-i2-s10-r1-t1"])
        line = self.refused(with_(app_app="fft2", app_methods=["pool.map"]), "apps[0].methods[0]")
        self.assertIn("allowed: sequential, new.way, all", line)
        # An app that answers nonsense is refused, named.
        app.write_text("#!/bin/sh\necho 'rm -rf /'; exit 0\n")
        line = self.refused(with_(app_app="fft2", app_methods=["all"]), "apps[0].app")
        self.assertIn("--list-methods", line)

    def test_missing_app_binary(self):
        (self.bin / "hmp-sum").unlink()
        self.refused(GOOD, "apps[0].app")

    def test_bad_usage_is_one_line(self):
        done = sweep("launch", "x.json")
        self.assertEqual(done.returncode, 2)
        self.assertEqual(len(done.stderr.splitlines()), 1, done.stderr)
        path = write_study(self.dir, "study", GOOD)
        done = sweep("run-one", path, "--index", "5", "--bin", self.bin,
                     "--results", self.dir / "results")
        self.assertEqual(done.returncode, 2)
        self.assertRegex(done.stderr, r"^hmp-sweep: --index: 5 is out of range; allowed: 0\.\.0\n$")

