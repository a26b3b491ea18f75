#!/usr/bin/python3
"""The workstation path with apps whose behaviour the test controls
(fake_app.py): records complete, resume reruns nothing, a failed
configuration is recorded and the rest go on, a killed one leaves no
half-written record."""

import json
import os
import re
import signal
import subprocess
import time
import unittest
from pathlib import Path

from hmp_tools import schema
from jobslib import REPO, SWEEP, FakeAppFolder, fake_bin, read_jsonl, sweep, tmpdir, write_study

STUDY = {
    "name": "tiny", "ranks": [1, 2], "threads": [1, 2], "max_workers": 2,
    "repeats": 2, "warmup": 0, "seed": 3, "timeout": 60,
    "apps": [
        {"app": "sum", "methods": ["sequential", "openmp", "pool.map"], "sizes": [100],
         "items": [4]},
        {"app": "autocorr", "methods": ["pool.map"], "sizes": [8], "items": [2],
         "args": {"algorithm": "fft"}},
    ],
}
# sequential at 1x1; openmp at 1 rank x 1, 2 threads; pool.map at every layout
# with ranks x threads <= 2 (max_workers): 1x1, 1x2, 2x1.
EXPECTED = [
    ("sum", "sequential", 1, 1), ("sum", "openmp", 1, 1), ("sum", "openmp", 1, 2),
    ("sum", "pool.map", 1, 1), ("sum", "pool.map", 1, 2), ("sum", "pool.map", 2, 1),
    ("autocorr", "pool.map", 1, 1), ("autocorr", "pool.map", 1, 2),
    ("autocorr", "pool.map", 2, 1),
]
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (\S+) (.*), elapsed [0-9.hms]+, ~([0-9.hms]+|\?) remaining$")


def config_id(app, method, ranks, threads):
    extra = "-algorithm-fft" if app == "autocorr" else ""
    items, size = (4, 100) if app == "sum" else (2, 8)
    return f"{app}-{method}-i{items}-s{size}-r{ranks}-t{threads}{extra}"


class Local(FakeAppFolder, unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir("local")
        self.bin = fake_bin(self.dir)
        self.results = self.dir / "results"
        self.study_dir = self.results / "tiny"
        self.log = self.dir / "runs.log"
        self.control = self.dir / "control.json"
        self.control.write_text("{}")
        self.path = write_study(self.dir, "tiny", STUDY)

    def run_sweep(self, *extra):
        return sweep("local", self.path, "--bin", self.bin, "--results", self.results,
                     *extra, env=self.env())

    def runs(self):
        return self.log.read_text().splitlines() if self.log.exists() else []

    def files(self):
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
                for p in self.study_dir.glob("*.jsonl")}

    def assert_all_records_parse(self):
        for path in self.results.rglob("*.jsonl"):
            read_jsonl(path)  # raises on a truncated line

    def test_records_complete_then_resume_reruns_nothing(self):
        done = self.run_sweep()
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        progress = [l for l in done.stdout.splitlines() if l.startswith("[")]
        self.assertEqual(len(progress), len(EXPECTED), done.stdout)
        for n, line in enumerate(progress, start=1):
            m = PROGRESS.match(line)
            self.assertTrue(m, line)
            self.assertEqual((int(m.group(1)), int(m.group(2))), (n, len(EXPECTED)))
        # one file per configuration, one ok record each, with the layout asked for
        names = sorted(f"{config_id(*e)}.jsonl" for e in EXPECTED)
        self.assertEqual(sorted(self.files()), names)
        for app, method, ranks, threads in EXPECTED:
            (record,) = read_jsonl(self.study_dir / f"{config_id(app, method, ranks, threads)}.jsonl")
            self.assertEqual((record["app"], record["method"], record["ranks"], record["threads"]),
                             (app, method, ranks, threads))
            self.assertEqual(record["status"], "ok")
            self.assertEqual(schema.problems(record), [])
            self.assertEqual(record["study"], "tiny")
            self.assertEqual(record["config"], config_id(app, method, ranks, threads))
            self.assertEqual(record["scaling"], "strong")
            self.assertEqual(len(record["seconds"]), 2)  # repeats
            self.assertEqual(record["check"], "passed")  # --check passed on
            self.assertEqual(os.stat(self.study_dir / f"{config_id(app, method, ranks, threads)}.jsonl").st_mode & 0o777, 0o600)
        self.assertEqual(read_jsonl(self.study_dir / f"{config_id('autocorr', 'pool.map', 1, 1)}.jsonl")[0]["algorithm"], "fft")
        self.assertEqual(len(self.runs()), len(EXPECTED))
        self.assertEqual(list((self.study_dir / ".partial").iterdir()), [])

        before, runs = self.files(), self.runs()
        done = self.run_sweep()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.runs(), runs, "a resumed study ran an app again")
        self.assertEqual(self.files(), before, "a complete record file was rewritten")
        self.assertIn(f"0 ran ok, {len(EXPECTED)} skipped", done.stdout)

        # a damaged record file is not complete: only that configuration reruns
        damaged = self.study_dir / f"{config_id('sum', 'pool.map', 2, 1)}.jsonl"
        text = damaged.read_text()
        damaged.write_text(text[: len(text) // 2])
        done = self.run_sweep()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.runs()[len(runs):], [f"{config_id('sum', 'pool.map', 2, 1)} 2 1 "
                                                    + self.runs()[-1].split()[-1]])
        self.assert_all_records_parse()

    def test_failed_configuration_is_recorded_and_the_rest_go_on(self):
        bad = config_id("sum", "pool.map", 1, 2)
        self.control.write_text(json.dumps({"fail": [bad]}))
        done = self.run_sweep()
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertRegex(done.stdout, rf"\] {re.escape(bad)} FAILED in .*exit code 3")
        self.assertIn(f"{len(EXPECTED) - 1} ran ok, 0 skipped (complete), 1 failed", done.stdout)
        (failure,) = read_jsonl(self.study_dir / f"{bad}.jsonl")
        self.assertEqual(failure["status"], "failed")
        self.assertEqual(schema.problems(failure), [])
        self.assertEqual(failure["exit_code"], 3)
        self.assertIn("told to fail", failure["stderr_tail"])
        self.assertEqual((failure["ranks"], failure["threads"], failure["app"]), (1, 2, "sum"))
        for key in ("build", "host", "time", "job_id", "config", "study"):
            self.assertIn(key, failure)
        self.assertEqual(len(self.files()), len(EXPECTED))  # the others went on
        # a rerun retries the failed configuration only
        self.control.write_text("{}")
        runs = self.runs()
        done = self.run_sweep()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual([l.split()[0] for l in self.runs()[len(runs):]], [bad])
        self.assertEqual(read_jsonl(self.study_dir / f"{bad}.jsonl")[0]["status"], "ok")

    def _start_hanging(self, victim):
        self.control.write_text(json.dumps({"hang": [victim]}))
        proc = subprocess.Popen([*SWEEP, "local", str(self.path), "--bin", str(self.bin),
                                 "--results", str(self.results)], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        marker = Path(f"{self.log}.hang")
        deadline = time.monotonic() + 60
        while not marker.exists():
            if proc.poll() is not None:
                self.fail("sweep ended before the app hung: " + proc.communicate()[1])
            self.assertLess(time.monotonic(), deadline, "the fake app never started hanging")
            time.sleep(0.05)
        app_pid = int(self.runs()[-1].split()[-1])
        return proc, app_pid

    def _launcher(self, proc):
        children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                    and _ppid(p) == proc.pid]
        self.assertEqual(len(children), 1, "expected one mpirun under the sweep")
        return children[0]

    def _reap(self, pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def test_sweep_killed_mid_run_leaves_no_half_record(self):
        victim = config_id("sum", "openmp", 1, 2)
        proc, app_pid = self._start_hanging(victim)
        # SIGKILL the sweep, its mpirun and the app while the app has written
        # half a line (mpirun runs in its own session, its ranks in their own
        # process group: each is killed by pid)
        mpirun = self._launcher(proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        self._reap(mpirun)
        self._reap(app_pid)
        self.assertFalse((self.study_dir / f"{victim}.jsonl").exists())
        partial = list((self.study_dir / ".partial").glob(f"{victim}.*.part"))
        self.assertEqual(len(partial), 1, "the app did not write half a line")
        with self.assertRaises(json.JSONDecodeError):
            read_jsonl(partial[0])
        self.assert_all_records_parse()
        # resume: the killed configuration reruns, its leftovers go
        self.control.write_text("{}")
        done = self.run_sweep()
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(len(self.files()), len(EXPECTED))
        self.assertEqual(list((self.study_dir / ".partial").iterdir()), [])
        self.assert_all_records_parse()

    def test_launcher_killed_is_a_failed_configuration(self):
        victim = config_id("sum", "openmp", 1, 1)
        proc, app_pid = self._start_hanging(victim)
        os.kill(self._launcher(proc), signal.SIGKILL)
        self._reap(app_pid)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 1, out + err)
        (failure,) = read_jsonl(self.study_dir / f"{victim}.jsonl")
        self.assertEqual(failure["status"], "failed")
        self.assertEqual(failure["exit_code"], -9)
        self.assertIn("killed by SIGKILL", failure["reason"])
        self.assertEqual(len(self.files()), len(EXPECTED))

    def test_sigterm_stops_cleanly(self):
        victim = config_id("sum", "sequential", 1, 1)
        proc, app_pid = self._start_hanging(victim)
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        time.sleep(0.5)
        alive = Path(f"/proc/{app_pid}").exists() and "Z" not in _state(app_pid)
        self._reap(app_pid)
        self.assertFalse(alive, "the app outlived the stopped sweep")
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, out + err)
        self.assertIn("left no record", err)
        self.assertEqual(self.files(), {})
        self.assertEqual(list((self.study_dir / ".partial").iterdir()), [])

    def test_a_run_past_its_timeout_is_recorded_and_not_rerun_under_the_same(self):
        # One configuration, which hangs: whatever mpirun's start costs on a
        # busy machine, only the hanging run meets the limit.
        victim = config_id("sum", "pool.map", 2, 1)
        self.path = write_study(self.dir, "tiny", {**STUDY, "ranks": [2], "threads": [1], "apps": [
            {"app": "sum", "methods": ["pool.map"], "sizes": [100], "items": [4]}]})
        self.control.write_text(json.dumps({"hang": [victim]}))
        done = self.run_sweep("--timeout", "5")
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertRegex(done.stdout, rf"\] {re.escape(victim)} FAILED in .*\(did not finish "
                                      r"within 5 s\)")
        (failure,) = read_jsonl(self.study_dir / f"{victim}.jsonl")
        self.assertEqual(schema.problems(failure), [])
        self.assertEqual((failure["status"], failure["timeout_s"]), ("failed", 5))
        self.assertEqual(failure["reason"], "did not finish within 5 s")
        app_pid = int(self.runs()[-1].split()[-1])
        self.assertIn(_state(app_pid), ("gone", "Z"), "the stopped run's app is still there")
        # The same limit again: nothing runs, the sweep says why and exits 1.
        runs = self.runs()
        done = self.run_sweep("--timeout", "5")
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertEqual(self.runs(), runs, "a configuration past the same timeout ran again")
        self.assertIn(f"{victim} skipped (did not finish within 5 s)", done.stdout)
        self.assertIn("0 ran ok, 0 skipped (complete), 0 failed, 1 not rerun", done.stdout)
        dry = self.run_sweep("--timeout", "4", "--dry-run")
        self.assertIn(f"{victim} [did not finish within 5 s: not rerun]", dry.stdout)
        # A larger limit runs it again (and it still hangs).
        done = self.run_sweep("--timeout", "6")
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertEqual([l.split()[0] for l in self.runs()[len(runs):]], [victim])
        self.assertEqual(read_jsonl(self.study_dir / f"{victim}.jsonl")[0]["timeout_s"], 6)

    def test_a_bad_timeout_exits_2_with_one_line(self):
        for value in ("0", "-1", "soon", "nan", "1e9"):
            done = self.run_sweep("--timeout", value)
            self.assertEqual(done.returncode, 2, value)
            self.assertEqual(done.stderr.count("\n"), 1, done.stderr)
            self.assertIn(f"--timeout: '{value}' is not allowed; allowed: seconds", done.stderr)
        self.assertEqual(self.runs(), [])

    def test_run_app_refuses_oversubscription(self):
        script = REPO / "jobs" / "local" / "run-app.sh"
        env = self.env()
        env["HMP_BIN_DIR"] = str(self.bin)
        done = subprocess.run([str(script), "--no-info", "--ranks", "4096", "--threads", "1", "sum",
                               "--records", str(self.dir / "r.jsonl")],
                              capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(done.returncode, 2)
        self.assertRegex(done.stderr, r"^run-app.sh: --ranks/--threads: 4096 x 1 = 4096 exceeds "
                                      r"the \d+ cores here; allowed: .*--allow-oversubscribe\n$")
        self.assertEqual(self.runs(), [])
        done = subprocess.run([str(script), "--no-info", "--ranks", "1", "--threads", "1", "sum",
                               "--items", "3", "--size", "5", "--method", "pool.map",
                               "--repeat", "1", "--records", str(self.dir / "r.jsonl")],
                              capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        (record,) = read_jsonl(self.dir / "r.jsonl")
        self.assertEqual((record["ranks"], record["threads"], record["items"]), (1, 1, 3))


def _state(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _ppid(proc_dir):
    try:
        stat = (proc_dir / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])

