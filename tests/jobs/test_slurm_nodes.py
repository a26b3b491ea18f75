#!/usr/bin/python3
"""Slurm across two nodes: a two-node Slurm whose nodes are fake separate
hosts (the cluster scripts' start-fake-slurm.sh, beside the checkout as the
Slurm scripts of test_slurm are), in this build's own state folders and on
its own port, so the one-node cluster of test_slurm can run at the same
time; else skipped with a line saying why.

A study with "nodes": [1, 2] runs through `hmp-sweep slurm` (one job array
per node count, then the report) with mpirun inside the allocation and with
srun --mpi=pmix; the workload batch scripts run with sbatch -N 2 both ways;
the cluster study files (1 to 64 nodes) are checked against the partition.
Every record must come from the real apps, with their check passed, and
say the nodes the app itself saw.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from jobslib import REPO, read_jsonl, root_env, sweep, write_study
from test_slurm import shared_candidates, task_ends, wait_for

HOSTS_DIR = os.environ.get("HMP_FAKE_SLURM_HOSTS_DIR", "/var/tmp/hmp-fake-slurm-hosts")
SLURM_DIR = os.environ.get("HMP_FAKE_SLURM_DIR", "/var/tmp/hmp-fake-slurm")
PORT = os.environ.get("HMP_FAKE_SLURM_PORT", "6937")
WORK = os.environ.get("HMP_TEST_WORK")  # seen by both hosts (not under /tmp)
APPS_DIR = os.environ.get("HMP_APPS_DIR")
CLUSTER = None
# Open MPI settings of the fake hosts the jobs need (TCP over lo); not the
# osc one (hmp::Runtime picks what works between hosts) nor the launch ones
# (inside Slurm, mpirun reads the allocation).
NOT_INHERITED = ("OMPI_MCA_osc", "OMPI_MCA_orte_default_hostfile", "OMPI_MCA_plm_rsh_agent",
                 "OMPI_MCA_plm_rsh_no_tree_spawn", "OMPI_MCA_hwloc_base_binding_policy",
                 "OMPI_MCA_rmaps_base_oversubscribe")


def cluster_env():
    env = dict(os.environ, FAKE_HOSTS_DIR=HOSTS_DIR, FAKE_SLURM_DIR=SLURM_DIR,
               FAKE_SLURM_PORT=PORT)
    env.setdefault("FAKE_HOSTS_SHARE", "")
    return env


def setUpModule():
    global CLUSTER
    found = [Path(os.environ["HMP_CLUSTER_DIR"])] if os.environ.get("HMP_CLUSTER_DIR") else []
    found += [d / "cluster" for d in shared_candidates()]
    found = [d for d in found if (d / "start-fake-slurm.sh").is_file()]
    if not found:
        raise unittest.SkipTest("no cluster/start-fake-slurm.sh beside the checkout "
                                "(set HMP_CLUSTER_DIR to the folder holding it)")
    if os.getuid() != 0:
        raise unittest.SkipTest("fake hosts and their slurmd need root")
    if not shutil.which("slurmctld"):
        raise unittest.SkipTest("slurmctld is not installed (apt-get install slurm-wlm)")
    if not APPS_DIR or not WORK:
        raise unittest.SkipTest("the apps are not built (HMP_APPS_DIR) or HMP_TEST_WORK is unset")
    start = found[0] / "start-fake-slurm.sh"
    print(f"test_slurm_nodes: starting 2 nodes with {start} (state {SLURM_DIR}, port {PORT})",
          flush=True)
    # A second try after a clean stop: on a loaded machine a node's slurmd
    # may miss the start script's own 30 s limit to register (seen once in CI).
    for attempt in (1, 2):
        done = subprocess.run(["bash", str(start), "2"], capture_output=True, text=True,
                              timeout=300, env=cluster_env())
        print(done.stdout + done.stderr, flush=True)
        if done.returncode == 0:
            break
        stop_cluster(found[0])
        if attempt == 2:
            raise RuntimeError(f"{start} failed twice (exit {done.returncode})")
    CLUSTER = found[0]
    os.environ["SLURM_CONF"] = f"{SLURM_DIR}/slurm.conf"
    listed = subprocess.run(["bash", "-c", f'. "{HOSTS_DIR}/env.sh" && env -0'],
                            capture_output=True, text=True, timeout=30, check=True).stdout
    for pair in listed.split("\0"):
        key, _, value = pair.partition("=")
        if key.startswith("OMPI_MCA_") and key not in NOT_INHERITED:
            os.environ[key] = value
    Path(WORK).mkdir(parents=True, exist_ok=True)


def stop_cluster(cluster):
    for script in ("stop-fake-slurm.sh", "stop-fake-hosts.sh"):
        done = subprocess.run(["bash", str(cluster / script)], capture_output=True,
                              text=True, timeout=120, env=cluster_env())
        print(done.stdout + done.stderr, flush=True)


def tearDownModule():
    if CLUSTER:
        stop_cluster(CLUSTER)


def partition() -> str:
    out = subprocess.run(["sinfo", "-h", "-o", "%P"], capture_output=True, text=True,
                         timeout=30).stdout.split()
    return out[0].rstrip("*")


class NodesTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="nodes-", dir=WORK))
        self.addCleanup(shutil.rmtree, self.dir, True)

    def env(self, launcher):
        env = root_env()
        env["HMP_LAUNCHER"] = launcher
        return env


class StudyOnTwoNodes(NodesTest):
    """hmp-sweep slurm: one array per node count, the report after all."""

    def run_study(self, launcher, nodes):
        name = f"nodes-{launcher}"
        baseline = ["sequential"] if 1 in nodes else []  # sequential runs on 1 node
        study = {"name": name, "nodes": nodes, "ranks_per_node": [1, 2], "threads": [1],
                 "repeats": 1, "warmup": 0, "timeout": 180, "slurm": {"time": "00:10:00"},
                 "apps": [{"app": "sum", "methods": baseline + ["pool.map"], "sizes": [1],
                           "items": [100000]},
                          {"app": "fft2", "methods": ["pool.map"], "sizes": [16], "items": [8]}]}
        path = write_study(self.dir, name, study)
        results = self.dir / "results"
        done = sweep("slurm", path, "--bin", APPS_DIR, "--results", results,
                     env=self.env(launcher))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        arrays = dict((n, a) for a, n in re.findall(r"submitted array job (\d+) on (\d+) node",
                                                   done.stdout))
        self.assertEqual(sorted(map(int, arrays)), sorted(nodes), done.stdout)
        report = re.search(r"submitted analysis job (\d+) after array jobs? ([\d, ]+) \(afterok\)",
                           done.stdout)
        self.assertTrue(report, done.stdout)
        self.assertEqual(sorted(report.group(2).split(", ")), sorted(arrays.values()))
        wait_for([*arrays.values(), report.group(1)], timeout=400)

        study_dir = results / name
        files = sorted(study_dir.glob("*.jsonl"))
        expected = len(baseline) + 2 * 2 * len(nodes)  # 2 apps x 2 ranks per node x nodes
        self.assertEqual(len(files), expected, [f.name for f in files])
        for f in files:
            (record,) = read_jsonl(f)
            self.assertEqual((record["status"], record["check"]), ("ok", "passed"), record)
            n, r = map(int, re.search(r"-n(\d+)-r(\d+)-", f.name).groups())
            # what the app saw (its hosts), not what the sweep asked for
            self.assertEqual((record["nodes"], record["ranks"]), (n, r), record)
            self.assertEqual(record["ranks_per_node"], r // n, record)
        logs = "".join(p.read_text() for p in (study_dir / "slurm").glob("hmp-*_*.out"))
        self.assertIn(f"launcher {launcher}", logs)
        info = json.loads((study_dir / "slurm" / f"analysis-{report.group(1)}.json").read_text())
        self.assertEqual(info["status"], 0)
        for array in arrays.values():
            ends = task_ends(study_dir / "slurm", array)
            self.assertTrue(ends)
            self.assertGreaterEqual(info["start"], max(ends.values()))
        self.assertTrue((study_dir / "report" / "report.md").is_file())

    def test_mpirun_inside_the_allocation(self):
        self.run_study("mpirun", [1, 2])

    def test_srun_with_pmix(self):
        self.run_study("srun", [2])


class BatchScriptsOnTwoNodes(NodesTest):
    """jobs/slurm/sum.sbatch with sbatch -N 2: 2 ranks per node, every method."""

    def test_sum_both_launchers(self):
        jobs = {}
        for launcher in ("mpirun", "srun"):
            env = self.env(launcher)
            env.update(HMP_ROOT=str(REPO), HMP_BIN_DIR=APPS_DIR, HMP_STUDY="nb")
            done = subprocess.run(
                ["sbatch", "--parsable", "--nodes=2", "--ntasks-per-node=2", "--cpus-per-task=1",
                 f"--chdir={self.dir}", f"--output={self.dir}/%x-%j.out",
                 str(REPO / "jobs" / "slurm" / "sum.sbatch"), "--items", "100000",
                 "--method", "all", "--repeat", "1", "--warmup", "0", "--check"],
                capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            jobs[launcher] = done.stdout.strip().split(";")[0]
        wait_for(jobs.values(), timeout=400)
        for launcher, job in jobs.items():
            out = (self.dir / f"hmp-sum-{job}.out").read_text()
            self.assertIn(f"launcher {launcher}", out)
            self.assertIn("hmp-info: 4 ranks on 2 nodes", out)
            self.assertRegex(out, r"transport: .*between hosts: pml ob1, btl tcp")
            records = read_jsonl(self.dir / "results" / "nb" / f"sum-{job}.jsonl")
            self.assertGreater(len(records), 3, out)
            for record in records:
                self.assertEqual((record["status"], record["check"]), ("ok", "passed"), record)
                self.assertEqual(record["job_id"], job)
                if record["method"] not in ("sequential", "openmp"):
                    self.assertEqual((record["ranks"], record["nodes"], record["ranks_per_node"]),
                                     (4, 2, 2), record)


class ClusterStudyFiles(NodesTest):
    """jobs/studies/cluster-{strong,weak}.json need only a partition and an
    account: checked against this 2-node partition, the node counts it lacks
    are left out and threads fill a node."""

    def test_cluster_studies(self):
        part = partition()
        for kind in ("strong", "weak"):
            path = REPO / "jobs" / "studies" / f"cluster-{kind}.json"
            raw = json.loads(path.read_text())
            self.assertEqual(raw["nodes"], [1, 2, 4, 8, 16, 32, 64])
            self.assertEqual(raw["scaling"], kind)
            done = sweep("check", path, "--slurm", "--partition", part, "--list",
                         "--bin", APPS_DIR)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn("the configurations on 4, 8, 16, 32, 64 nodes are left out", done.stdout)
            ids = re.findall(r"^\s*\d+ (\S+)$", done.stdout, re.M)
            self.assertTrue(any("-n2-r4-t1" in i for i in ids), ids)  # 2 CPUs per node / 2 ranks
            self.assertFalse(any(re.search(r"-n(4|8|16|32|64)-", i) for i in ids), ids)
            done = sweep("slurm", path, "--partition", part, "--dry-run", "--bin", APPS_DIR,
                         "--results", self.dir / "results")
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            arrays = [json.loads(l) for l in done.stdout.splitlines()
                      if l.startswith('["sbatch"') and "--array" in l]
            self.assertEqual([[a for a in argv if a.startswith("--nodes=")] for argv in arrays],
                             [["--nodes=1"], ["--nodes=2"]])
            for argv in arrays:
                self.assertIn(f"--partition={part}", argv)
                self.assertIn("--account=EDIT-account", argv)
                self.assertIn("--exclusive", argv)
