"""Run one configuration: launch the app, then keep its records or a failure."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import launch, records, smpi, watch
from .study import app_argv


class Interrupted(Exception):
    """The sweep got SIGINT/SIGTERM: stop, keep nothing of the running config."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum, _frame):
    raise Interrupted(signum)


def install_signal_handlers():
    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGINT, _raise)


@dataclass
class Context:
    root: Path            # the source tree (for the build id of failure records)
    study_dir: Path       # results/<study>
    bin_dir: Path         # where hmp-<app> are
    launcher: str         # "local", "srun" or "mpirun" (inside a Slurm job)
    capacity: int         # cores (local) or allocated CPUs (Slurm)
    mpi: str | None = None
    max_rss: int | None = None   # bytes a run may hold resident (None: no limit)
    note: object = None          # note(config_id, text): how a long run is going


@dataclass
class Outcome:
    status: str           # "ok", "failed" or "skipped"
    seconds: float = 0.0
    reason: str = ""


def executable(ctx: Context, app: str) -> Path:
    return ctx.bin_dir / f"hmp-{app}"


def command(ctx: Context, study, config, part: Path, workdir: Path | None = None) -> tuple:
    """(argv, extra environment) for one configuration; a simulated one's
    hostfile is written into `workdir` (None: a dry run, nothing written)."""
    if study.simulated:
        return _simulated_command(ctx, study, config, part, workdir)
    # A cluster study's capacity is one node's.
    bound = (config.workers_per_node if study.cluster else config.workers) <= ctx.capacity
    exe = str(executable(ctx, config.app))
    args = app_argv(study, config, str(part))
    env = launch.omp_env(config.threads, bound or ctx.launcher == "srun")
    env.update(HMP_STUDY=study.name, HMP_CONFIG=config.id)
    if os.getuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    # A cluster study places its ranks per node; a plain one leaves it to Slurm.
    placed = study.cluster
    if ctx.launcher == "srun":
        argv = launch.srun_argv("srun", config.ranks, config.threads, ctx.mpi,
                                config.nodes if placed else None)
    else:
        per_node = config.ranks_per_node if placed and ctx.launcher == "mpirun" else None
        argv = launch.mpirun_argv(launch.find_mpirun(), config.ranks, config.threads, bound,
                                  per_node)
    return argv + [exe] + args, env


def _simulated_command(ctx: Context, study, config, part: Path, workdir: Path) -> tuple:
    """smpirun on the study's platform, ranks filling its hosts in order."""
    exe = executable(ctx, config.app)
    args = app_argv(study, config, str(part))
    if workdir is not None:
        argv, env = smpi.prepare(workdir, study.platform_path, config.ranks, exe, args,
                                 study.ranks_per_host, host_time=study.host_time)
    else:  # a dry run: show the command, write nothing
        argv, env = smpi.smpirun_argv(study.platform_path, Path("HOSTFILE"), config.ranks,
                                      exe, args, study.host_time), {}
    env.update(HMP_STUDY=study.name, HMP_CONFIG=config.id)
    return argv, env


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def settled(study_dir: Path, study, config, max_rss: int | None = None) -> Outcome | None:
    """A "skipped" outcome when `config` need not run again: its records are
    complete, or it already ran past limits no larger than these (it did not
    finish within as many seconds, or held more memory than allowed now)."""
    if records.is_complete(study_dir, config):
        return Outcome("skipped", reason="complete")
    past = records.past_limits(study_dir, config)
    if past.get("timeout_s", 0) >= study.timeout:
        return Outcome("skipped", reason=f"did not finish within {past['timeout_s']:g} s")
    if max_rss is not None and past.get("memory_limit_bytes", max_rss + 1) <= max_rss:
        limit = watch.memory(past["memory_limit_bytes"])
        return Outcome("skipped", reason=f"used more than {limit} of memory")
    return None


def run(ctx: Context, study, config) -> Outcome:
    skip = settled(ctx.study_dir, study, config, ctx.max_rss)
    if skip is not None:
        return skip
    records.clear_partials(ctx.study_dir, config)
    for sub in (".partial", "logs"):
        (ctx.study_dir / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    part = records.partial_path(ctx.study_dir, config)
    # A simulated run's hostfile and smpirun's copies of the program.
    with tempfile.TemporaryDirectory(prefix="hmp-sweep-") as workdir:
        argv, extra = command(ctx, study, config, part, Path(workdir))
        return _launch(ctx, study, config, part, argv, extra, workdir)


def _launch(ctx: Context, study, config, part: Path, argv, extra, workdir) -> Outcome:
    final = records.final_path(ctx.study_dir, config)
    out_log = ctx.study_dir / "logs" / f"{config.id}.out"
    err_log = ctx.study_dir / "logs" / f"{config.id}.err"
    env = dict(os.environ)
    env.update(extra)
    if not env.get("OMP_PLACES"):
        env.pop("OMP_PLACES", None)

    watched = watch.Watched(None, None, 0, 0.0)
    with open(os.open(out_log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out, \
         open(os.open(err_log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as err:
        out.write(("$ " + " ".join(argv) + "\n").encode())
        out.flush()
        try:
            # Its own session: a signal to the sweep's process group (Ctrl-C,
            # timeout(1)) must not reach mpirun besides the one the sweep
            # sends, as a second SIGTERM makes mpirun exit leaving its ranks.
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                    cwd=workdir if study.simulated else None,
                                    stdout=out, stderr=err, start_new_session=True)
        except OSError as error:
            watched.reason = f"cannot start {argv[0]}: {error.strerror}"
        else:
            note = ctx.note and (lambda text: ctx.note(config.id, text))
            try:
                watched = watch.wait(proc, study.timeout, ctx.max_rss, study.simulated, note)
            except Interrupted:
                watch.stop(proc, study.simulated)
                part.unlink(missing_ok=True)
                raise
    code, reason, elapsed = watched.code, watched.reason, watched.seconds

    if reason is None and code != 0:
        reason = _describe_exit(code)
    lines = []
    if reason is None:
        try:
            lines = part.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        bad = records.problems(lines, config)
        if bad:
            reason = f"incomplete records: {bad}"
    if reason is None:
        parsed = [json.loads(l) for l in lines if l.strip()]
        records.note_build(parsed[0])
        if study.simulated:  # what the simulation cost here
            for r in parsed:
                r.update(elapsed_seconds=round(elapsed, 3), peak_rss_bytes=watched.peak_rss)
        tagged = [json.dumps(records.tag(r, study, config)) for r in parsed]
        records.write_whole(final, tagged)
        part.unlink(missing_ok=True)
        return Outcome("ok", elapsed)

    failure = records.failed_record(study, config, ctx.root, code, reason,
                                    records.tail(err_log), elapsed)
    failure.update(watched.limits)
    if study.simulated:
        failure["peak_rss_bytes"] = watched.peak_rss
        # The host its ok records name (rank 0's simulated host, the
        # platform's first), not this machine: else the report makes the
        # failure a build/host section of its own.
        failure["host"] = smpi.hosts(study.platform_path)[0][0]
    records.write_whole(final, [json.dumps(failure)])
    part.unlink(missing_ok=True)
    return Outcome("failed", elapsed, reason)
