#!/usr/bin/python3
"""The Slurm path on a real Slurm: the one that answers `sinfo`, else a
one-node cluster started here with shared/slurm/start-local-cluster.sh (and
stopped after), else skipped (exit 77) with a line saying why.

Submits tiny studies through `sweep slurm` and the workload sbatch scripts,
waits for them, and checks every configuration's records, the job ids they
carry, and that the analysis job started after the array tasks ended.
"""

import json
import os
import re
import shutil
import subprocess
import time
import unittest
from pathlib import Path

from jobslib import (APPS, REPO, FakeAppFolder, check_passed_records, fake_bin, read_jsonl, root_env,
                     sweep, tmpdir, write_study)

WAIT = 200  # seconds for all jobs of one test


def sinfo_answers() -> bool:
    try:
        done = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True,
                              timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() != ""


def shared_candidates():
    if os.environ.get("HMP_SHARED"):
        yield Path(os.environ["HMP_SHARED"])
    yield REPO.parent / "shared"
    # a git worktree: beside the main clone
    try:
        common = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--git-common-dir"],
                                capture_output=True, text=True, timeout=20).stdout.strip()
        if common:
            yield (REPO / common).resolve().parent.parent / "shared"
    except (OSError, subprocess.SubprocessError):
        pass


STOP = None


def setUpModule():
    global STOP
    if sinfo_answers():
        print("test_slurm: using the Slurm that answers sinfo", flush=True)
        return
    scripts = [d / "slurm" for d in shared_candidates()
               if (d / "slurm" / "start-local-cluster.sh").is_file()]
    if not scripts:
        raise unittest.SkipTest("no Slurm answers sinfo and no shared/slurm/start-local-cluster.sh "
                                "(set HMP_SHARED to the folder holding slurm/)")
    if os.getuid() != 0:
        raise unittest.SkipTest(f"no Slurm answers sinfo and {scripts[0]}/start-local-cluster.sh "
                                "needs root")
    start = scripts[0] / "start-local-cluster.sh"
    print(f"test_slurm: starting a local cluster with {start}", flush=True)
    done = subprocess.run(["bash", str(start)], capture_output=True, text=True, timeout=600)
    print(done.stdout + done.stderr, flush=True)
    if done.returncode != 0:
        raise RuntimeError(f"{start} failed (exit {done.returncode})")
    STOP = scripts[0] / "stop-local-cluster.sh"


def tearDownModule():
    if STOP:
        done = subprocess.run(["bash", str(STOP)], capture_output=True, text=True, timeout=120)
        print(done.stdout + done.stderr, flush=True)


def node_cpus() -> int:
    out = subprocess.run(["sinfo", "-h", "-o", "%c"], capture_output=True, text=True,
                         timeout=20).stdout.split()
    return min(int(re.match(r"\d+", c).group()) for c in out)


def wait_for(job_ids, timeout=WAIT):
    """Until none of job_ids (array or plain) is pending or running."""
    deadline = time.monotonic() + timeout
    ids = {str(j) for j in job_ids}
    while True:
        out = subprocess.run(["squeue", "-h", "-o", "%F %A %T %R"], capture_output=True,
                             text=True, timeout=30).stdout
        left = [l for l in out.splitlines() if l.split()[0] in ids or l.split()[1] in ids]
        if not left:
            return
        if time.monotonic() > deadline:
            subprocess.run(["scancel", *ids], timeout=30)
            raise AssertionError(f"jobs {sorted(ids)} still queued after {timeout}s: {left}")
        time.sleep(1)


def task_ends(log_dir: Path, array_id: str) -> dict:
    """{task: end time} from each array task's output."""
    ends = {}
    for out in log_dir.glob(f"*-{array_id}_*.out"):
        m = re.search(r"^sweep-array: end ([0-9.]+) status (\d+)$", out.read_text(), re.M)
        assert m, f"{out} has no end line:\n{out.read_text()}"
        assert m.group(2) == "0", f"{out} ended with status {m.group(2)}"
        ends[out.name] = float(m.group(1))
    return ends


class SweepOnSlurm(FakeAppFolder, unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir("slurm")
        self.results = self.dir / "results"
        self.log = self.dir / "runs.log"
        self.control = self.dir / "control.json"
        self.control.write_text("{}")

    def submit(self, path, bin_dir):
        done = sweep("slurm", path, "--bin", bin_dir, "--results", self.results, env=self.env())
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        array = re.search(r"submitted array job (\d+)", done.stdout)
        report = re.search(r"submitted analysis job (\d+)", done.stdout)
        self.assertTrue(report, done.stdout)
        return (array.group(1) if array else None), report.group(1), done.stdout

    def check_analysis_after(self, study_dir, array_id, report_id):
        info = json.loads((study_dir / "slurm" / f"analysis-{report_id}.json").read_text())
        self.assertEqual(info["status"], 0, "\n".join(p.read_text() for p in (study_dir / "slurm").glob("*report*.out")))
        ends = task_ends(study_dir / "slurm", array_id)
        self.assertTrue(ends)
        self.assertGreaterEqual(info["start"], max(ends.values()),
                                "the analysis started before an array task ended")
        newest = max(p.stat().st_mtime for p in study_dir.glob("*.jsonl"))
        self.assertGreaterEqual(info["start"], newest - 0.01)
        self.assertTrue((study_dir / "report" / "report.md").is_file())
        return ends

    def test_array_then_analysis_with_a_failure_then_resume(self):
        bin_dir = fake_bin(self.dir)
        study = {"name": "stiny", "ranks": [1, 2], "threads": [1, 2], "max_workers": "cores",
                 "repeats": 2, "warmup": 0, "timeout": 60, "slurm": {"time": "00:05:00"},
                 "apps": [{"app": "sum", "methods": ["sequential", "pool.map"], "sizes": [50],
                           "items": [4]},
                          {"app": "fft2", "methods": ["pool.map"], "sizes": [8], "items": [2]}]}
        path = write_study(self.dir, "stiny", study)
        cpus = node_cpus()
        layouts = [(r, t) for r in (1, 2) for t in (1, 2) if r * t <= cpus]
        expected = [("sum", "sequential", 4, 50, 1, 1)] + \
                   [("sum", "pool.map", 4, 50, r, t) for r, t in layouts] + \
                   [("fft2", "pool.map", 2, 8, r, t) for r, t in layouts]
        ids = [f"{a}-{m}-i{i}-s{s}-r{r}-t{t}" for a, m, i, s, r, t in expected]
        bad = ids[1]
        self.control.write_text(json.dumps({"fail": [bad]}))

        array_id, report_id, out = self.submit(path, bin_dir)
        self.assertIn(f"{len(ids)} of {len(ids)} configurations (tasks 0-{len(ids) - 1})", out)
        wait_for([array_id, report_id])
        study_dir = self.results / "stiny"
        self.assertEqual(sorted(p.stem for p in study_dir.glob("*.jsonl")), sorted(ids))
        for cid, (app, method, items, size, ranks, threads) in zip(ids, expected):
            (record,) = read_jsonl(study_dir / f"{cid}.jsonl")
            self.assertEqual(record["status"], "failed" if cid == bad else "ok", record)
            self.assertEqual((record["app"], record["method"], record["ranks"],
                              record["threads"], record["items"]),
                             (app, method, ranks, threads, items))
            self.assertEqual(record["slurm_array_job_id"], array_id)
            self.assertIsNotNone(record["job_id"])
            self.assertEqual(record["study"], "stiny")
        self.assertEqual(read_jsonl(study_dir / f"{bad}.jsonl")[0]["exit_code"], 3)
        # job ids: the record of task k carries that task's own job id
        for out_file in (study_dir / "slurm").glob(f"*-{array_id}_*.out"):
            m = re.search(r"job (\d+)_(\d+) \(id (\d+)\)", out_file.read_text())
            (record,) = read_jsonl(study_dir / f"{ids[int(m.group(2))]}.jsonl")
            self.assertEqual(str(record["job_id"]), m.group(3))
            self.assertEqual(record["slurm_array_task_id"], m.group(2))
        self.check_analysis_after(study_dir, array_id, report_id)

        # resume: only the failed configuration is submitted again
        before = {p.name: p.stat().st_mtime_ns for p in study_dir.glob("*.jsonl")}
        self.control.write_text("{}")
        array2, report2, out = self.submit(path, bin_dir)
        self.assertIn(f"1 of {len(ids)} configurations (tasks 1)", out)
        wait_for([array2, report2])
        after = {p.name: p.stat().st_mtime_ns for p in study_dir.glob("*.jsonl")}
        changed = sorted(n for n in after if after[n] != before[n])
        self.assertEqual(changed, [f"{bad}.jsonl"])
        self.assertEqual(read_jsonl(study_dir / f"{bad}.jsonl")[0]["status"], "ok")
        self.check_analysis_after(study_dir, array2, report2)

    def test_real_apps(self):
        apps_dir = os.environ.get("HMP_APPS_DIR")
        needed = ("sum", "fft2")
        if not apps_dir or not all((Path(apps_dir) / f"hmp-{a}").exists() for a in needed):
            self.skipTest("the apps are not built (HMP_APPS_DIR)")
        # sequential at 1x1, openmp at 1 rank x 1 and 2 threads (the Pool
        # methods' 2-rank layouts run in test_local_apps once available)
        study = {"name": "sreal", "ranks": [1], "threads": [1, 2], "repeats": 2, "warmup": 0,
                 "timeout": 120, "apps": [
                     {"app": "sum", "methods": ["sequential", "openmp"], "sizes": [1],
                      "items": [2000]},
                     {"app": "fft2", "methods": ["openmp"], "sizes": [16], "items": [4]}]}
        path = write_study(self.dir, "sreal", study)
        array_id, report_id, _ = self.submit(path, apps_dir)
        wait_for([array_id, report_id])
        study_dir = self.results / "sreal"
        files = sorted(study_dir.glob("*.jsonl"))
        self.assertEqual(len(files), 5, [f.name for f in files])
        for record in check_passed_records(self, files):
            self.assertIsNotNone(record["job_id"])
            self.assertEqual(record["slurm_array_job_id"], array_id)
        self.check_analysis_after(study_dir, array_id, report_id)


class BatchScripts(unittest.TestCase):
    """jobs/slurm/<workload>.sbatch: hmp-info first, then the app, records
    under results/<study>/ tagged with the job id."""

    def test_every_workload_script(self):
        tmp = tmpdir("sbatch")
        self.addCleanup(shutil.rmtree, tmp, True)
        bin_dir = fake_bin(tmp)
        self.assertTrue((bin_dir / "hmp-info").exists(), "HMP_INFO (hmp-info) not given")
        jobs = {}
        for app in APPS:
            env = root_env()
            env.update(HMP_ROOT=str(REPO), HMP_BIN_DIR=str(bin_dir), HMP_STUDY="sb")
            extra = []
            if app == "sum":
                env["HMP_LAUNCHER"] = "srun"   # srun --mpi=pmix, whatever auto picks here
            if app == "fft2":                  # one rank with 2 threads
                extra = ["--ntasks-per-node=1", "--cpus-per-task=2"]
            script = REPO / "jobs" / "slurm" / f"{app}.sbatch"
            done = subprocess.run(["sbatch", "--parsable", f"--chdir={tmp}",
                                   f"--output={tmp}/%x-%j.out", *extra, str(script),
                                   "--items", "3", "--size", "5", "--method", "all",
                                   "--repeat", "1"],
                                  capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            jobs[app] = done.stdout.strip().split(";")[0]
        wait_for(jobs.values())
        for app, job in jobs.items():
            out = (tmp / f"hmp-{app}-{job}.out").read_text()
            self.assertIn("hmp-info:", out)          # the layout report ran first
            self.assertLess(out.index("hmp-info:"), out.index("hmp-job:") + 10_000)
            (record,) = read_jsonl(tmp / "results" / "sb" / f"{app}-{job}.jsonl")
            self.assertEqual(record["job_id"], job)
            self.assertEqual(record["study"], "sb")
            self.assertEqual(record["app"], app)
            want = (1, 2) if app == "fft2" else (2, 1)
            self.assertEqual((record["ranks"], record["threads"]), want, out)

