"""hmp-report: JSON Lines records (files or folders) -> a report folder.

Exit status: 0 report written; 2 bad usage, a missing path, no usable
records or an --out that must not be replaced; 1 the report could not be
written. Every failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .analyse import analyse
from .atomic import OutputError, staged_directory
from .records import InputError, load
from .report import FigureProgress, write_report
from .summary import summary

PROG = "hmp-report"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # argparse prints usage plus the error; scripts want one line.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Turn hmp JSON Lines run records into scaling tables, plots "
                    "and a report (report.md, report.html, figures/, tables/).")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="report folder; replaced whole when the new report is complete")
    parser.add_argument("--mixed", action="store_true",
                        help="pool records of different builds/hosts (the report says so) "
                             "instead of reporting each build/host separately")
    parser.add_argument("--progress", action="store_true",
                        help="say on stderr what is being drawn, how far, and about how long is left")
    parser.add_argument("paths", nargs="+", metavar="RECORDS",
                        help="record files, or folders searched for *.jsonl / *.ndjson")
    return parser


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    # SIGTERM (Slurm's time limit, kill) unwinds normally, so the staging
    # folder is removed and no partial report is left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        loaded = load(args.paths)
    except InputError as error:
        return _fail(str(error), 2)
    for skipped in loaded.skipped:
        print(skipped, file=sys.stderr)
    if not loaded.records:
        where = " ".join(args.paths)
        if not loaded.files:
            return _fail(f"no record files (*.jsonl, *.ndjson) in {where}", 2)
        return _fail(f"no usable records in {where} ({len(loaded.files)} file(s), "
                     f"{len(loaded.skipped)} line(s) skipped)", 2)
    analysis = analyse(loaded, mixed=args.mixed)
    out = os.path.abspath(args.out)
    progress = FigureProgress(PROG, sys.stderr) if args.progress else None
    if progress:
        print(f"{PROG}: {len(loaded.records)} records from {len(loaded.files)} file(s) read; "
              "drawing the figures", file=sys.stderr, flush=True)
    try:
        with staged_directory(out) as staging:
            written = write_report(analysis, staging, progress)
    except OutputError as error:
        return _fail(str(error), 2)
    except OSError as error:
        return _fail(f"cannot write the report to {out}: {error}", 1)
    print(summary(analysis, written, out))
    print(f"report: {os.path.join(out, 'report.html')}")
    return 0
