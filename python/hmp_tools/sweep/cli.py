"""hmp-sweep: run a scaling study of the hmp apps locally or on Slurm.

  hmp-sweep check   STUDY [--slurm] [--allow-oversubscribe] [--list] [--bin DIR]
  hmp-sweep local   STUDY [--allow-oversubscribe] [--timeout S] [--results DIR] [--bin DIR] [--dry-run]
  hmp-sweep slurm   STUDY [--partition P] [--time T] [--results DIR] [--bin DIR] [--dry-run]
  hmp-sweep simulate STUDY [--ranks N,...] [--timeout S] [--max-memory GIB] [--results DIR]
                     [--bin DIR] [--dry-run]   (a study with "simulated")
  hmp-sweep run-one STUDY --index I [--results DIR] [--bin DIR]   (what each array task runs)

Records go to DIR/<study>/<config-id>.jsonl (DIR defaults to ./results), one
file per configuration, written whole; configurations whose file is complete
are skipped, so rerunning a study resumes it (and so are those that ran past
the same or larger limits: did not finish within the timeout, held more
memory than --max-memory). Exit status: 0 all ok, 1 some configuration
failed or was left past its limits (recorded with status "failed") or Slurm
refused, 2 bad study or usage (one line: FILE: FIELD: what is wrong;
allowed: ...), 128+N interrupted by signal N. See docs/jobs.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import fcntl
import json
import math
import os
import sys
from pathlib import Path

from . import apps, launch, records, runner, slurm, study as studies, watch
from .progress import Progress

PROG = "hmp-sweep"
# The batch scripts of `slurm` (array task, analysis job), shipped with the package.
SBATCH = Path(__file__).resolve().parent / "sbatch"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser():
    p = _Parser(prog=PROG, description=__doc__.split("\n")[0],
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="See docs/jobs.md for the study file format.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(q, results=True):
        q.add_argument("study", metavar="STUDY", help="study file (JSON)")
        if results:
            q.add_argument("--results", metavar="DIR", default="results",
                           help="records go to DIR/<study>/ (default: ./results)")
        q.add_argument("--bin", metavar="DIR", default=None,
                       help="folder of the hmp-* apps, which say their methods (default: "
                            "$HMP_BIN_DIR, $HMP_BUILD_DIR/apps, this command's folder when "
                            "the apps are installed beside it, else ./build/apps)")

    q = sub.add_parser("check", help="validate a study, run nothing")
    common(q, results=False)
    q.add_argument("--slurm", action="store_true",
                   help="check against the Slurm partition instead of this machine")
    q.add_argument("--partition", default=None)
    q.add_argument("--allow-oversubscribe", action="store_true")
    q.add_argument("--list", action="store_true", help="print every configuration")

    def timeout(q):
        q.add_argument("--timeout", metavar="S", type=_seconds, default=None,
                       help="wall seconds a configuration may run (overrides the study's "
                            "\"timeout\"); one that does not finish is recorded as failed and "
                            "not rerun unless a larger --timeout is given")

    q = sub.add_parser("local", help="run every configuration here with mpirun")
    common(q)
    q.add_argument("--allow-oversubscribe", action="store_true",
                   help="allow ranks x threads above this machine's cores")
    timeout(q)
    q.add_argument("--dry-run", action="store_true",
                   help="print each configuration, its state and command; run nothing")

    q = sub.add_parser("slurm", help="submit a job array and an analysis job")
    common(q)
    q.add_argument("--partition", default=None, help="overrides the study's slurm.partition")
    q.add_argument("--time", default=None,
                   help="time limit of each array task (overrides slurm.time)")
    q.add_argument("--dry-run", action="store_true",
                   help="print the sbatch commands; submit nothing")

    q = sub.add_parser("simulate", help="run a simulated study under SimGrid's smpirun")
    q.add_argument("study", metavar="STUDY", help="study file (JSON) with \"simulated\"")
    q.add_argument("--results", metavar="DIR", default="results",
                   help="records go to DIR/<study>/ (default: ./results)")
    q.add_argument("--bin", metavar="DIR", default=None,
                   help="folder of the -DHMP_SMPI=ON build's programs (default: "
                        "$HMP_SMPI_BUILD_DIR/apps, else ./build-smpi/apps)")
    q.add_argument("--ranks", metavar="N,...", type=_rank_list, default=None,
                   help="run only these of the study's rank counts (default: all of them)")
    timeout(q)
    q.add_argument("--max-memory", metavar="GIB", type=_gib, default=None,
                   help="resident memory a configuration's simulator may hold; one that holds "
                        "more is stopped, recorded as failed and not rerun unless a larger "
                        "--max-memory is given (default: no limit; the peak is recorded)")
    q.add_argument("--dry-run", action="store_true",
                   help="print each configuration, its state and command; run nothing")

    q = sub.add_parser("run-one", help="run one configuration (inside an array task)")
    common(q)
    q.add_argument("--index", required=True, type=int, help="configuration index")
    return p


def _number(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low < value <= high:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed: {what}")
    return value


def _seconds(text: str) -> float:
    return _number(text, "seconds, 0 < S <= 604800", 0, 7 * 86400)


def _gib(text: str) -> int:
    return int(_number(text, "GiB, 0 < GIB <= 65536", 0, 65536) * watch.GIB)


def _rank_list(text: str) -> list:
    parts = text.split(",")
    if not all(p.isdigit() and len(p) <= 6 for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed: rank counts "
                                         "separated by commas, e.g. 1024,4096")
    return sorted({int(p) for p in parts})


def _only_ranks(study, configs, wanted) -> list:
    """The configurations at the `wanted` rank counts (None: all), each of
    which the study must name."""
    if wanted is None:
        return configs
    unknown = [n for n in wanted if n not in study.ranks]
    if unknown:
        raise studies.StudyError(study.path, "--ranks", f"{unknown[0]} is not a rank count of "
                                 "the study", ", ".join(map(str, study.ranks)))
    return [c for c in configs if c.ranks in wanted]


def _with_timeout(study, seconds):
    return study if seconds is None else dataclasses.replace(study, timeout=seconds)


def _bin_dir(given) -> Path:
    if given:
        return Path(given).resolve()
    if os.environ.get("HMP_BIN_DIR"):
        return Path(os.environ["HMP_BIN_DIR"]).resolve()
    if os.environ.get("HMP_BUILD_DIR"):
        return Path(os.environ["HMP_BUILD_DIR"]).resolve() / "apps"
    # Installed: cmake --install links this command into bin/, beside the apps
    # (not resolved: the link's folder, not the venv's).
    beside = Path(os.path.abspath(sys.argv[0])).parent
    if (beside / "hmp-info").is_file():
        return beside
    return Path("build", "apps").resolve()


def _smpi_bin_dir(given) -> Path:
    if given:
        return Path(given).resolve()
    if os.environ.get("HMP_SMPI_BUILD_DIR"):
        return Path(os.environ["HMP_SMPI_BUILD_DIR"]).resolve() / "apps"
    return Path("build-smpi", "apps").resolve()


def _source() -> Path:
    """The source tree, for the build id of failure records (git describe)."""
    return Path(os.environ.get("HMP_SOURCE_DIR") or ".").resolve()


def _load(args, simulated=False):
    """The study, measured or (`simulated`) one with "simulated", else StudyError."""
    kind = _is_simulated(args.study)
    if kind is True and not simulated:
        raise studies.StudyError(args.study, "simulated", "a simulated study runs under smpirun",
                                 f"{PROG} simulate {args.study}")
    if kind is False and simulated:
        raise studies.StudyError(args.study, "simulated", "missing: a measured study",
                                 "{\"platform\": NAME[, \"ranks_per_host\": N][, \"host_time\": "
                                 "\"skipped\"]} to simulate it; "
                                 f"or {PROG} local/slurm")
    bin_dir = _smpi_bin_dir(args.bin) if simulated else _bin_dir(args.bin)
    return studies.load(args.study, apps.MethodTable(bin_dir))


def _is_simulated(path):
    """Whether the study file asks for simulation; None when it cannot be
    read (the loader then says what is wrong)."""
    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.loads(handle.read(1 << 20))
    except (OSError, ValueError, RecursionError):
        return None
    return isinstance(raw, dict) and "simulated" in raw


def _check_apps(study, configs, bin_dir: Path):
    """Every app the plan needs is built, before anything runs."""
    for i, entry in enumerate(study.apps):
        if not any(c.app == entry["app"] for c in configs):
            continue
        exe = bin_dir / f"hmp-{entry['app']}"
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            raise studies.StudyError(study.path, f"apps[{i}].app",
                                     f"{exe} is not built",
                                     "a built app: cmake --build build, or --bin DIR")


def _local_capacity():
    cores = launch.local_cores()
    alloc = launch.allocation_cpus()
    if alloc is not None and alloc < cores:
        return alloc, "CPUs of this Slurm allocation"
    return cores, "cores of this machine"


def _state(study_dir, study, config, max_rss=None) -> str:
    skip = runner.settled(study_dir, study, config, max_rss)
    if skip is not None:
        return skip.reason if skip.reason == "complete" else f"{skip.reason}: not rerun"
    return "failed" if records.final_path(study_dir, config).exists() else "to run"


def _cluster_capacity(study, path, partition) -> tuple:
    """A cluster study on Slurm: (CPUs per node, what they are, nodes of the
    partition), its "threads": "fill" made a number."""
    cpus, total, name = slurm.partition_nodes(path, partition)
    studies.fill_threads(study, cpus)
    left_out = [n for n in study.nodes if n > total]
    if left_out:
        print(f"{PROG}: partition {name} has {total} nodes: the configurations on "
              f"{', '.join(map(str, left_out))} nodes are left out", flush=True)
    return cpus, f"CPUs per node of partition {name}", total


def _plan_here(study, oversubscribe) -> tuple:
    """(configs, capacity, what) on this machine: one node, so a cluster
    study runs its one-node configurations."""
    capacity, what = _local_capacity()
    max_nodes = None
    if study.cluster:
        studies.fill_threads(study, capacity)
        max_nodes = 1
        if max(study.nodes) > 1:
            print(f"{PROG}: one node here: the configurations on more nodes run on Slurm "
                  "(hmp-sweep slurm)", flush=True)
    return studies.plan(study, capacity, what, oversubscribe, max_nodes), capacity, what


def cmd_check(args) -> int:
    study = _load(args, simulated=bool(_is_simulated(args.study)))
    if study.simulated:
        configs = studies.plan_simulated(study)
        if args.list:
            for c in configs:
                print(f"{c.index:4d} {c.id}")
        print(f"{args.study}: ok: simulated study {study.name} on {study.platform}"
              f"{_host_time_note(study)}, {len(configs)} configurations, "
              f"up to {max(c.ranks for c in configs)} ranks")
        return 0
    partition = args.partition or study.slurm.get("partition")
    if args.slurm and study.cluster:
        capacity, what, max_nodes = _cluster_capacity(study, args.study, partition)
        configs = studies.plan(study, capacity, what, args.allow_oversubscribe, max_nodes)
    elif args.slurm:
        capacity, name = slurm.partition_capacity(args.study, partition,
                                                  study.slurm.get("nodes", 1))
        what = f"CPUs of partition {name}"
        configs = studies.plan(study, capacity, what, args.allow_oversubscribe)
    else:
        configs, capacity, what = _plan_here(study, args.allow_oversubscribe)
    if args.list:
        for c in configs:
            print(f"{c.index:4d} {c.id}")
    worst = max(c.workers_per_node if study.cluster else c.workers for c in configs)
    print(f"{args.study}: ok: study {study.name}, {study.scaling} scaling, "
          f"{len(configs)} configurations, up to {worst} of {capacity} {what}")
    return 0


def _host_time_note(study) -> str:
    """What a simulated study's figures leave out, said wherever it is named."""
    return (" (host time not replayed: simulated.host_time skipped)"
            if study.host_time == "skipped" else "")


def _lock(study_dir: Path):
    handle = os.fdopen(os.open(study_dir / ".lock", os.O_WRONLY | os.O_CREAT, 0o600), "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"{PROG}: another sweep is running this study in {study_dir} "
              "(wait for it or stop it)", file=sys.stderr)
        sys.exit(1)
    return handle


def cmd_local(args) -> int:
    study = _with_timeout(_load(args), args.timeout)
    configs, capacity, what = _plan_here(study, args.allow_oversubscribe)
    bin_dir = _bin_dir(args.bin)
    _check_apps(study, configs, bin_dir)
    study_dir = Path(args.results).resolve() / study.name
    ctx = runner.Context(_source(), study_dir, bin_dir, "local", capacity)
    if args.dry_run:
        for c in configs:
            argv, env = runner.command(ctx, study, c, Path("RECORDS"))
            print(f"{c.index:4d} {c.id} [{_state(study_dir, study, c)}] "
                  f"OMP_NUM_THREADS={env['OMP_NUM_THREADS']} {json.dumps(argv)}")
        return 0
    return _sweep(ctx, study, configs, lambda to_run: (
        f"{PROG}: study {study.name}: {len(configs)} configurations, {to_run} to run, "
        f"{capacity} {what} -> {ctx.study_dir}"))


def cmd_simulate(args) -> int:
    study = _with_timeout(_load(args, simulated=True), args.timeout)
    configs = _only_ranks(study, studies.plan_simulated(study), args.ranks)
    bin_dir = _smpi_bin_dir(args.bin)
    _check_apps(study, configs, bin_dir)
    study_dir = Path(args.results).resolve() / study.name
    ctx = runner.Context(_source(), study_dir, bin_dir, "smpirun", 0, max_rss=args.max_memory)
    if args.dry_run:
        for c in configs:
            argv, _ = runner.command(ctx, study, c, Path("RECORDS"))
            skipped = "HMP_HOST_TIME=skipped " if study.host_time == "skipped" else ""
            print(f"{c.index:4d} {c.id} [{_state(study_dir, study, c, ctx.max_rss)}] "
                  f"{skipped}{json.dumps(argv)}")
        return 0
    limits = f"at most {study.timeout:g} s" + (
        f" and {watch.memory(args.max_memory)}" if args.max_memory else "") + " each"
    return _sweep(ctx, study, configs, lambda to_run: (
        f"{PROG}: simulated study {study.name} on {study.platform}{_host_time_note(study)}: {len(configs)} "
        f"configurations at {', '.join(map(str, sorted({c.ranks for c in configs})))} ranks, "
        f"{to_run} to run ({limits}) -> {ctx.study_dir}"))


def _sweep(ctx, study, configs, headline) -> int:
    """Runs (or skips, when complete) every configuration, one at a time,
    under the study's lock; `headline(to_run)` is the first line printed.
    Exit status: 1 if some configuration failed, else 0."""
    ctx.study_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock(ctx.study_dir)
    runner.install_signal_handlers()
    to_run = sum(1 for c in configs if runner.settled(ctx.study_dir, study, c, ctx.max_rss) is None)
    print(headline(to_run), flush=True)
    progress = Progress(len(configs), to_run)
    ctx.note = progress.note
    counts = {"ok": 0, "failed": 0, "complete": 0, "past": 0}
    for c in configs:
        outcome = runner.run(ctx, study, c)
        progress.line(c.id, outcome)
        if outcome.status == "skipped":
            counts["complete" if outcome.reason == "complete" else "past"] += 1
        else:
            counts[outcome.status] += 1
    lock.close()
    past = (f", {counts['past']} not rerun (failed past limits no larger than these)"
            if counts["past"] else "")
    print(f"{PROG}: study {study.name}: {counts['ok']} ran ok, {counts['complete']} skipped "
          f"(complete), {counts['failed']} failed{past}; records in {ctx.study_dir}", flush=True)
    return 1 if counts["failed"] or counts["past"] else 0


def cmd_run_one(args) -> int:
    study = _load(args)
    alloc = launch.allocation_cpus()
    if alloc is not None:
        capacity, what = alloc, "CPUs of this Slurm allocation"
        if study.cluster:  # the frozen study bounds one node
            nodes = os.environ.get("SLURM_JOB_NUM_NODES", "1")
            capacity //= int(nodes) if nodes.isdigit() and int(nodes) > 0 else 1
            what = "CPUs per node of this Slurm allocation"
        launcher, mpi = launch.slurm_launcher()
    else:
        (capacity, what), launcher, mpi = _local_capacity(), "local", None
    configs = studies.plan(study, capacity, what, False)
    if not 0 <= args.index < len(configs):
        print(f"{PROG}: --index: {args.index} is out of range; allowed: "
              f"0..{len(configs) - 1}", file=sys.stderr)
        return 2
    config = configs[args.index]
    bin_dir = _bin_dir(args.bin)
    _check_apps(study, [config], bin_dir)
    study_dir = Path(args.results).resolve() / study.name
    study_dir.mkdir(parents=True, exist_ok=True)
    ctx = runner.Context(_source(), study_dir, bin_dir, launcher, capacity, mpi)
    runner.install_signal_handlers()
    print(f"{PROG}: {config.id} ({config.ranks} ranks x {config.threads} threads"
          f"{f' on {config.nodes} nodes' if study.cluster else ''}, "
          f"launcher {launcher}{'/' + mpi if mpi else ''})", flush=True)
    complete = records.is_complete(study_dir, config)
    progress = Progress(1, 0 if complete else 1)
    outcome = runner.run(ctx, study, config)
    progress.line(config.id, outcome)
    # A failed configuration is a result (its record says why), not a failed
    # task: the analysis job (afterok) still runs and lists it.
    return 0


def _array_argv(study, indices, nodes, tasks, time_limit, log_dir, results, frozen_path,
                bin_dir, extra) -> list:
    """sbatch of one job array: the configurations `indices`, each task on
    `nodes` nodes with `tasks` (--ntasks or --ntasks-per-node) one-CPU tasks."""
    argv = ["sbatch", "--parsable", f"--job-name=hmp-{study.name}",
            f"--array={slurm.array_spec(indices)}", f"--nodes={nodes}", tasks,
            "--cpus-per-task=1", f"--time={time_limit}",
            f"--output={log_dir}/%x-%A_%a.out", f"--chdir={results.parent}"] + extra
    if study.slurm.get("exclusive", True):
        argv.append("--exclusive")
    return argv + [str(SBATCH / "sweep-array.sbatch"), sys.executable,
                   str(frozen_path), str(results), str(bin_dir)]


def cmd_slurm(args) -> int:
    study = _load(args)
    partition = args.partition or study.slurm.get("partition")
    if partition:
        studies.Checker(args.study).token(partition, "--partition")
    max_nodes = None
    if study.cluster:
        capacity, what, max_nodes = _cluster_capacity(study, args.study, partition)
    else:
        nodes = study.slurm.get("nodes", 1)
        capacity, part_name = slurm.partition_capacity(args.study, partition, nodes)
        what = f"CPUs of {nodes} node(s) of partition {part_name}"
    configs = studies.plan(study, capacity, what, False, max_nodes)
    if len(configs) > 1000:
        raise studies.StudyError(args.study, "apps", f"{len(configs)} configurations",
                                 "at most 1000 (Slurm's default MaxArraySize is 1001)")
    time_limit = args.time or study.slurm.get("time", "00:30:00")
    studies.Checker(args.study).token(time_limit, "--time", studies.TIME_RE,
                                       "minutes, MM:SS, HH:MM:SS or D-HH:MM:SS")
    bin_dir = _bin_dir(args.bin)
    _check_apps(study, configs, bin_dir)
    results = Path(args.results).resolve()
    study_dir = results / study.name
    todo = [c for c in configs if runner.settled(study_dir, study, c) is None]
    limit = capacity if study.max_workers == "cores" else study.max_workers

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    frozen_path = study_dir / ".sweep" / f"study-{stamp}-{os.getpid()}.json"
    log_dir = study_dir / "slurm"
    extra = []
    if partition:
        extra.append(f"--partition={partition}")
    if study.slurm.get("account"):
        extra.append(f"--account={study.slurm['account']}")
    # One array per node count (every task of an array gets the same
    # allocation); a plain study is one array on slurm.nodes.
    arrays = []
    if study.cluster:
        # The same CPUs per node for every array: a task checks the whole plan
        # against its allocation.
        per_node = max(c.workers_per_node for c in configs)
        for n in sorted({c.nodes for c in todo}):
            group = [c for c in todo if c.nodes == n]
            arrays.append((group, n, per_node, f"--ntasks-per-node={per_node}"))
    elif todo:
        workers = max(c.workers for c in configs)
        arrays.append((todo, study.slurm.get("nodes", 1), workers, f"--ntasks={workers}"))
    submits = [(group, n, cpus, _array_argv(study, [c.index for c in group], n, tasks, time_limit,
                                            log_dir, results, frozen_path, bin_dir, extra))
               for group, n, cpus, tasks in arrays]
    analysis = ["sbatch", "--parsable", f"--job-name=hmp-{study.name}-report",
                "--ntasks=1", "--time=00:30:00", f"--output={log_dir}/%x-%j.out",
                f"--chdir={results.parent}"] + extra
    analysis_script = [str(SBATCH / "sweep-analysis.sbatch"), sys.executable, str(study_dir)]
    if args.dry_run:
        for c in configs:
            print(f"{c.index:4d} {c.id} [{_state(study_dir, study, c)}]")
        for *_, argv in submits:
            print(json.dumps(argv))
        print(json.dumps(analysis + ["--dependency=afterok:ARRAY", "--kill-on-invalid-dep=yes"]
                         + analysis_script))
        return 0

    for folder in (frozen_path.parent, log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    records.write_whole(frozen_path, [json.dumps(studies.frozen(study, limit, max_nodes), indent=1)])
    array_ids = []
    for group, n, cpus, argv in submits:
        array_id = slurm.sbatch(argv)
        array_ids.append(array_id)
        spec = slurm.array_spec([c.index for c in group])
        if study.cluster:
            print(f"{PROG}: submitted array job {array_id} on {n} node(s): {len(group)} of "
                  f"{len(configs)} configurations (tasks {spec}), {cpus} CPUs per node, "
                  f"logs in {log_dir}", flush=True)
        else:
            print(f"{PROG}: submitted array job {array_id}: {len(group)} of {len(configs)} "
                  f"configurations (tasks {spec}), {cpus} CPUs each, logs in {log_dir}",
                  flush=True)
    if array_ids:
        analysis += [f"--dependency=afterok:{':'.join(array_ids)}", "--kill-on-invalid-dep=yes"]
    else:
        print(f"{PROG}: every configuration of {study.name} is complete; "
              "submitting only the analysis", flush=True)
    report_id = slurm.sbatch(analysis + analysis_script)
    after = (f" after array job{'s' if len(array_ids) > 1 else ''} {', '.join(array_ids)} (afterok)"
             if array_ids else "")
    print(f"{PROG}: submitted analysis job {report_id}{after}: report in "
          f"{study_dir / 'report'}", flush=True)
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    commands = {"check": cmd_check, "local": cmd_local, "slurm": cmd_slurm,
                "simulate": cmd_simulate, "run-one": cmd_run_one}
    try:
        return commands[args.command](args)
    except studies.StudyError as error:
        print(error, file=sys.stderr)
        return 2
    except slurm.SlurmError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except runner.Interrupted as stop:
        print(f"{PROG}: interrupted by {stop}; the running configuration left no record "
              "(rerun to resume)", file=sys.stderr)
        return 128 + stop.signum


if __name__ == "__main__":
    sys.exit(main())
