"""A study file: validation and its expansion into configurations.

A study is data. Every value is checked here against a fixed list or a
fixed pattern before anything runs, and later reaches programs only as one
element of an argument list, never through a shell.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import untrusted_json
from ..layout import RanksAndThreads
from . import smpi
from .apps import APPS, SIMULATED_APPS, AppError


@dataclass(frozen=True)
class Numbers:
    """An option whose value is a number lo..hi (whole: an integer)."""
    lo: float
    hi: float
    whole: bool = False


# Extra app options a study may set, with their allowed values; a list of
# values runs each one (one configuration each). bench-scale's options are
# hmp-bench-scale's (--schedule, --task-us).
ARGS = {"autocorr": {"algorithm": ("direct", "fft", "auto")},
        "bench-scale": {"schedule": ("default", "static_cyclic", "static_block", "dynamic", "guided"),
                        "task_us": Numbers(0, 1e6), "chunksize": Numbers(0, 1e9, whole=True)}}

# Methods that use one core (run once, at 1 rank x 1 thread) or one rank's
# threads (run at 1 rank, every thread count): other layouts would time the
# same thing again.
SERIAL = {"sequential"}
ONE_RANK = {"openmp"}

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TIME_RE = re.compile(r"(\d{1,3}-)?\d{1,2}(:\d{2}){0,2}")
INT_MAX = 2**31 - 1

TOP_KEYS = ("name", "description", "scaling", "ranks", "nodes", "ranks_per_node", "threads",
            "max_workers", "repeats", "warmup", "seed", "check", "timeout", "apps", "slurm",
            "simulated")
SIMULATED_KEYS = ("platform", "ranks_per_host", "host_time")
APP_KEYS = ("app", "methods", "sizes", "items", "args", "scaling")
SLURM_KEYS = ("partition", "account", "time", "nodes", "exclusive")


class StudyError(Exception):
    """One line: FILE: FIELD: what is wrong; allowed: ..."""

    def __init__(self, path, where, what, allowed):
        super().__init__(f"{path}: {where}: {what}; allowed: {allowed}")


@dataclass(frozen=True)
class Config(RanksAndThreads):
    index: int
    id: str
    app: str
    method: str
    items: int
    size: int
    ranks: int
    threads: int
    args: tuple  # ((key, value), ...) extra app options
    nodes: int = 1
    platform: str | None = None  # a simulated run's platform (jobs/platforms/<platform>.xml)
    host_time: str | None = None  # a simulated run's: smpi.HOST_TIMES
    scaling: str = "strong"  # weak: items were given per rank x thread

    @property
    def ranks_per_node(self) -> int:
        return -(-self.ranks // self.nodes)

    @property
    def workers_per_node(self) -> int:
        return self.ranks_per_node * self.threads


@dataclass
class Study:
    path: str
    name: str
    scaling: str
    ranks: list
    threads: list
    max_workers: object  # int, "cores" or None
    repeats: int
    warmup: int
    seed: object
    check: bool
    timeout: float
    apps: list
    slurm: dict
    description: str = ""
    raw: dict = field(default_factory=dict)
    # A cluster study ("nodes" given): node counts and ranks per node; then
    # "ranks" is absent, `threads` may be "fill" (CPUs per node / ranks per
    # node, fixed by fill_threads) and max_workers bounds one node.
    nodes: list = field(default_factory=list)
    ranks_per_node: list = field(default_factory=list)
    # A simulated study ("simulated" given): runs under SimGrid's smpirun on
    # platform_path, ranks_per_host to a simulated host (None: one per core),
    # the host's computation replayed or not (host_time: smpi.HOST_TIMES).
    platform: str | None = None
    platform_path: object = None
    ranks_per_host: int | None = None
    host_time: str | None = None

    @property
    def cluster(self) -> bool:
        return bool(self.nodes)

    @property
    def simulated(self) -> bool:
        return self.platform is not None


def _show(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {json.dumps(key)}")
        seen[key] = value
    return seen


class Checker:
    def __init__(self, path):
        self.path = path

    def fail(self, where, what, allowed):
        raise StudyError(self.path, where, what, allowed)

    def keys(self, obj, where, allowed, required):
        if not isinstance(obj, dict):
            self.fail(where or "(top level)", f"expected an object, got {_show(obj)}",
                      "a JSON object")
        for key in obj:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else key, "unknown key",
                          ", ".join(allowed))
        for key in required:
            if key not in obj:
                self.fail(f"{where}.{key}" if where else key, "missing",
                          "a value (required)")

    def integer(self, value, where, minimum, maximum=INT_MAX):
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected an integer, got {_show(value)}",
                      f"an integer {minimum}..{maximum}")
        if not minimum <= value <= maximum:
            self.fail(where, f"{value} is out of range", f"an integer {minimum}..{maximum}")
        return value

    def int_list(self, value, where, minimum, maximum=INT_MAX):
        if not isinstance(value, list) or not value:
            self.fail(where, f"expected a non-empty list, got {_show(value)}",
                      f"a list of integers {minimum}..{maximum}")
        out = [self.integer(v, f"{where}[{i}]", minimum, maximum) for i, v in enumerate(value)]
        for i, v in enumerate(out):
            if v in out[:i]:
                self.fail(f"{where}[{i}]", f"{v} is listed twice", "each value once")
        return out

    def choice(self, value, where, allowed):
        if not isinstance(value, str) or value not in allowed:
            self.fail(where, f"unknown value {_show(value)}", ", ".join(allowed))
        return value

    def token(self, value, where, pattern=TOKEN_RE, allowed=None):
        allowed = allowed or ("letters, digits, '.', '_', '-' (1-64 characters, "
                              "starting with a letter or digit)")
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail(where, f"unsafe or malformed value {_show(value)}", allowed)
        return value

    def boolean(self, value, where):
        if not isinstance(value, bool):
            self.fail(where, f"expected true or false, got {_show(value)}", "true, false")
        return value


def load(path, methods_of, text=None) -> Study:
    """Read and validate a study file; raise StudyError (one line) if bad.
    `methods_of(app)` gives the app's methods (apps.MethodTable: the app's own
    --list-methods) or raises AppError."""
    c = Checker(path)
    if text is None:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(1 << 20)
        except OSError as error:
            c.fail("(file)", f"cannot read: {error.strerror}", "a readable JSON study file")
        except UnicodeDecodeError:
            c.fail("(file)", "not UTF-8 text", "a UTF-8 JSON study file")
    try:
        raw = untrusted_json.loads(text, object_pairs_hook=_no_duplicates,
                         parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        c.fail("(json)", f"malformed JSON at line {error.lineno} column {error.colno}: "
                         f"{error.msg}", "one JSON object (see docs/jobs.md)")
    except ValueError as error:
        c.fail("(json)", f"malformed JSON: {error}", "one JSON object (see docs/jobs.md)")

    cluster = isinstance(raw, dict) and "nodes" in raw
    simulated = isinstance(raw, dict) and "simulated" in raw
    c.keys(raw, "", TOP_KEYS, ("name", "nodes", "ranks_per_node", "threads", "apps") if cluster
           else ("name", "ranks", "apps") if simulated
           else ("name", "ranks", "threads", "apps"))
    if cluster and simulated:
        c.fail("simulated", "a simulated study places its ranks on the platform's hosts",
               "\"simulated\" with \"ranks\", or \"nodes\" with \"ranks_per_node\"")
    if cluster and "ranks" in raw:
        c.fail("ranks", "a study with \"nodes\" gives \"ranks_per_node\" instead",
               "\"nodes\" with \"ranks_per_node\", or \"ranks\" alone")
    if not cluster and "ranks_per_node" in raw:
        c.fail("ranks_per_node", "only with \"nodes\"", "\"nodes\" with \"ranks_per_node\", or \"ranks\" alone")
    name = c.token(raw["name"], "name", NAME_RE)
    description = raw.get("description", "")
    if not isinstance(description, str):
        c.fail("description", f"expected a string, got {_show(description)}", "a string")
    scaling = c.choice(raw.get("scaling", "strong"), "scaling", ("strong", "weak"))
    nodes = c.int_list(raw["nodes"], "nodes", 1, 4096) if cluster else []
    ranks_per_node = c.int_list(raw["ranks_per_node"], "ranks_per_node", 1, 1024) if cluster else []
    ranks = [] if cluster else c.int_list(raw["ranks"], "ranks", 1,
                                          smpi.MAX_RANKS if simulated else 4096)
    if cluster and raw["threads"] == "fill":
        threads = "fill"
    elif simulated:
        threads = c.int_list(raw.get("threads", [1]), "threads", 1, 1)  # one thread per simulated rank
    else:
        threads = c.int_list(raw["threads"], "threads", 1, 1024)
    platform = _simulated(c, raw["simulated"], ranks) if simulated else {}
    max_workers = raw.get("max_workers")
    if max_workers is not None and max_workers != "cores":
        if isinstance(max_workers, str):
            c.fail("max_workers", f"unknown value {_show(max_workers)}",
                   "\"cores\" or an integer >= 1")
        c.integer(max_workers, "max_workers", 1)
    repeats = c.integer(raw.get("repeats", 3), "repeats", 1, 1000)
    warmup = c.integer(raw.get("warmup", 1), "warmup", 0, 1000)
    seed = raw.get("seed")
    if seed is not None:
        c.integer(seed, "seed", 0)
    check = c.boolean(raw.get("check", True), "check")
    timeout = raw.get("timeout", 900)
    if (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
            or not math.isfinite(timeout) or not 0 < timeout <= 7 * 86400):
        c.fail("timeout", f"expected seconds, got {_show(timeout)}",
               "a number of seconds per configuration, 0 < timeout <= 604800")

    slurm = raw.get("slurm", {})
    c.keys(slurm, "slurm", SLURM_KEYS, ())
    if "partition" in slurm:
        c.token(slurm["partition"], "slurm.partition")
    if "account" in slurm:
        c.token(slurm["account"], "slurm.account")
    if "time" in slurm:
        c.token(slurm["time"], "slurm.time", TIME_RE,
                "minutes, MM:SS, HH:MM:SS or D-HH:MM:SS")
    if "nodes" in slurm:
        c.integer(slurm["nodes"], "slurm.nodes", 1, 4096)
        if cluster:
            c.fail("slurm.nodes", "the study's \"nodes\" list sets the nodes", "no slurm.nodes with \"nodes\"")
    if "exclusive" in slurm:
        c.boolean(slurm["exclusive"], "slurm.exclusive")

    apps = raw["apps"]
    known_apps = SIMULATED_APPS if simulated else APPS
    if not isinstance(apps, list) or not apps:
        c.fail("apps", f"expected a non-empty list, got {_show(apps)}",
               "a list of {\"app\", \"methods\", \"sizes\", \"items\"[, \"args\"]} objects")
    checked = []
    for i, entry in enumerate(apps):
        where = f"apps[{i}]"
        c.keys(entry, where, APP_KEYS, ("app", "methods", "items"))
        app = c.choice(entry["app"], f"{where}.app", known_apps)
        try:
            known = tuple(methods_of(app))
        except AppError as error:
            c.fail(f"{where}.app", str(error), "a built app: cmake --build build, or --bin DIR")
        methods = entry["methods"]
        if not isinstance(methods, list) or not methods:
            c.fail(f"{where}.methods", f"expected a non-empty list, got {_show(methods)}",
                   ", ".join(known + ("all",)))
        for j, m in enumerate(methods):
            c.choice(m, f"{where}.methods[{j}]", known + ("all",))
            if m in methods[:j]:
                c.fail(f"{where}.methods[{j}]", f"{m} is listed twice", "each method once")
        if "all" in methods and len(methods) > 1:
            c.fail(f"{where}.methods", "\"all\" already names every method",
                   "[\"all\"] alone, or a list of methods")
        expanded = list(known) if "all" in methods else list(methods)
        if app in SIMULATED_APPS:
            if "sizes" in entry:
                c.fail(f"{where}.sizes", f"{app} has no size", "no \"sizes\" for " + app)
            sizes = [0]
        elif "sizes" not in entry:
            c.fail(f"{where}.sizes", "missing", "a value (required)")
        else:
            sizes = c.int_list(entry["sizes"], f"{where}.sizes", 1)
        items = c.int_list(entry["items"], f"{where}.items", 1)
        # An entry may scale otherwise than the study: e.g. a weak series
        # beside the fixed-items maps of a scale study.
        entry_scaling = c.choice(entry.get("scaling", scaling), f"{where}.scaling", ("strong", "weak"))
        checked.append({"app": app, "methods": expanded, "sizes": sizes, "items": items,
                        "scaling": entry_scaling,
                        "arg_sets": _arg_sets(c, entry.get("args", {}), app, where)})

    return Study(path=path, name=name, scaling=scaling, ranks=ranks, threads=threads,
                 max_workers=max_workers, repeats=repeats, warmup=warmup, seed=seed,
                 check=check, timeout=float(timeout), apps=checked, slurm=dict(slurm),
                 description=description, raw=raw, nodes=nodes, ranks_per_node=ranks_per_node,
                 **platform)


def platforms_dir() -> Path:
    """Where a simulated study's platform names are looked up:
    $HMP_PLATFORMS_DIR, else the source tree's jobs/platforms."""
    given = os.environ.get("HMP_PLATFORMS_DIR")
    if given:
        return Path(given)
    source = os.environ.get("HMP_SOURCE_DIR")
    return Path(source) / "jobs" / "platforms" if source else Path(__file__).resolve().parents[3] / "jobs" / "platforms"


def _simulated(c: Checker, block, ranks) -> dict:
    """The "simulated" block: its platform exists and holds every rank count."""
    c.keys(block, "simulated", SIMULATED_KEYS, ("platform",))
    folder = platforms_dir()
    offered = ", ".join(sorted(p.stem for p in folder.glob("*.xml"))) or f"none in {folder}"
    name = c.token(block["platform"], "simulated.platform",
                   allowed=f"a platform of {folder}: {offered}")
    path = folder / f"{name}.xml"
    if not path.is_file():
        c.fail("simulated.platform", f"no platform {name} ({path})", offered)
    per_host = block.get("ranks_per_host")
    if per_host is not None:
        c.integer(per_host, "simulated.ranks_per_host", 1, 4096)
    host_time = c.choice(block.get("host_time", smpi.HOST_TIMES[0]), "simulated.host_time",
                         smpi.HOST_TIMES)
    for i, r in enumerate(ranks):
        try:
            smpi.hostfile(path, r, per_host)
        except smpi.PlatformError as error:
            c.fail(f"ranks[{i}]", str(error), "rank counts the platform holds "
                   "(hosts x ranks_per_host, or its cores)")
    return {"platform": name, "platform_path": path, "ranks_per_host": per_host,
            "host_time": host_time}


def _arg_value(c: Checker, value, where, allowed) -> str:
    if isinstance(allowed, Numbers):
        kinds = int if allowed.whole else (int, float)
        if (isinstance(value, bool) or not isinstance(value, kinds)
                or not math.isfinite(value) or not allowed.lo <= value <= allowed.hi):
            what = "an integer" if allowed.whole else "a number"
            c.fail(where, f"expected {what}, got {_show(value)}",
                   f"{what} {allowed.lo:g}..{allowed.hi:g}")
        if allowed.whole:
            return str(value)  # not :g, whose 1e+06 an integer option refuses
        return f"{value:g}" if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    return c.choice(value, where, allowed)


def _arg_sets(c: Checker, args, app, where) -> list:
    """Every combination of an entry's extra options, each ((key, value), ...)
    sorted by key: a list of values gives one configuration each."""
    allowed_args = ARGS.get(app, {})
    if not isinstance(args, dict):
        c.fail(f"{where}.args", f"expected an object, got {_show(args)}",
               ", ".join(allowed_args) or f"nothing for {app} ({{}})")
    choices = []
    for key in sorted(args):
        if key not in allowed_args:
            c.fail(f"{where}.args.{key}", "unknown option",
                   ", ".join(allowed_args) or f"nothing for {app}")
        given = args[key] if isinstance(args[key], list) else [args[key]]
        if not given:
            c.fail(f"{where}.args.{key}", "empty list", "a value or a non-empty list of values")
        values = [_arg_value(c, v, f"{where}.args.{key}", allowed_args[key]) for v in given]
        for j, v in enumerate(values):
            if v in values[:j]:
                c.fail(f"{where}.args.{key}[{j}]", f"{v} is listed twice", "each value once")
        choices.append([(key, v) for v in values])
    return [tuple(combo) for combo in itertools.product(*choices)]


def fill_threads(study: Study, cpus_per_node: int) -> Study:
    """"threads": "fill" made a number: the node's CPUs shared by the most
    ranks per node (so every layout fits one node)."""
    if study.threads == "fill":
        study.threads = [max(1, cpus_per_node // max(study.ranks_per_node))]
    return study


def _layouts(method, study):
    """(nodes, ranks, threads) of each run of `method`."""
    threads = study.threads
    if method in SERIAL:
        return [(1, 1, 1)]
    if method in ONE_RANK:
        return [(1, 1, t) for t in threads]
    if study.cluster:
        return [(n, n * q, t) for n in study.nodes for q in study.ranks_per_node for t in threads]
    return [(1, r, t) for r in study.ranks for t in threads]


def config_id(app, method, items, size, ranks, threads, args, nodes=None) -> str:
    extra = "".join(f"-{k}-{v}" for k, v in args)
    where = f"-n{nodes}" if nodes is not None else ""
    sized = f"-s{size}" if size else ""  # bench-scale has no size
    return f"{app}-{method}-i{items}{sized}{where}-r{ranks}-t{threads}{extra}"


def plan(study: Study, capacity: int, capacity_what: str, oversubscribe: bool,
         max_nodes: int | None = None) -> list:
    """Every configuration, in a fixed order (array indices depend on it).

    `capacity` is the number of cores (or allocated CPUs) a configuration may
    use; "max_workers": "cores" drops larger layouts unless `oversubscribe`,
    anything else larger is an error unless `oversubscribe`. In a cluster
    study both bound one node (ranks per node x threads) and `max_nodes`,
    when given, leaves out the configurations on more nodes.
    """
    c = Checker(study.path)
    if study.max_workers == "cores":
        limit = None if oversubscribe else capacity
    else:
        limit = study.max_workers
    configs, owner = [], {}
    for i, entry in enumerate(study.apps):
        for method in entry["methods"]:
            for size in entry["sizes"]:
                for base, args in itertools.product(entry["items"], entry["arg_sets"]):
                    for n, r, t in _layouts(method, study):
                        per_node = -(-r // n) * t
                        if limit is not None and per_node > limit:
                            continue
                        if max_nodes is not None and n > max_nodes:
                            continue
                        items = base * r * t if entry["scaling"] == "weak" else base
                        if items > INT_MAX:
                            c.fail(f"apps[{i}].items", f"weak scaling gives {items} items "
                                   f"at {r} ranks x {t} threads", f"at most {INT_MAX}")
                        cid = config_id(entry["app"], method, items, size, r, t, args,
                                        n if study.cluster else None)
                        if cid in owner:
                            if owner[cid] == i:
                                continue  # e.g. two item counts meeting under weak scaling
                            c.fail(f"apps[{i}]", f"configuration {cid} is also made by "
                                   f"apps[{owner[cid]}]", "each configuration once")
                        owner[cid] = i
                        configs.append(Config(len(configs), cid, entry["app"], method,
                                              items, size, r, t, args, n, study.platform,
                                              study.host_time, entry["scaling"]))
    if not configs:
        c.fail("max_workers", f"no configuration has ranks x threads <= {limit}",
               "a limit that keeps at least one layout")
    if not oversubscribe:
        worst = max(configs, key=lambda k: k.workers_per_node)
        if worst.workers_per_node > capacity:
            what = "ranks per node x threads" if study.cluster else "ranks x threads"
            c.fail(what, f"{worst.id} needs {worst.ranks_per_node} x {worst.threads} = "
                   f"{worst.workers_per_node} cores, more than the {capacity} {capacity_what}",
                   f"{what} <= {capacity}; or \"max_workers\": \"cores\" to skip "
                   "larger layouts; or --allow-oversubscribe")
    return configs


def plan_simulated(study: Study) -> list:
    """Every configuration of a simulated study: the platform, not this
    machine, holds its ranks (checked when loaded)."""
    return plan(study, smpi.MAX_RANKS, "simulated ranks", True)


def app_argv(study: Study, config: Config, records: str) -> list:
    """The app's options for one configuration (values already validated).
    hmp-bench-scale takes no size, threads, seed or check."""
    argv = ["--items", str(config.items), "--method", config.method,
            "--repeat", str(study.repeats), "--warmup", str(study.warmup)]
    if config.app not in SIMULATED_APPS:
        argv += ["--size", str(config.size), "--threads", str(config.threads)]
        if study.seed is not None:
            argv += ["--seed", str(study.seed)]
        if study.check:
            argv.append("--check")
    for key, value in config.args:
        argv += [f"--{key.replace('_', '-')}", value]
    return argv + ["--records", records]


def frozen(study: Study, max_workers, max_nodes=None) -> dict:
    """The study as submitted, with "max_workers" fixed to a number (and a
    cluster study's threads and the nodes the partition has), so array tasks
    expand exactly the plan the submission made."""
    raw = dict(study.raw)
    if study.cluster:
        raw["threads"] = study.threads  # "fill" made a number
        raw["nodes"] = [n for n in study.nodes if max_nodes is None or n <= max_nodes]
    if max_workers is None:
        raw.pop("max_workers", None)
    else:
        raw["max_workers"] = max_workers
    return raw
