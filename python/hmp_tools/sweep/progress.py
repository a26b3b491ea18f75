"""One progress line per configuration: n of N, elapsed, estimated remaining;
and, while a long one runs, a note now and then of how it is going."""

from __future__ import annotations

import sys
import time


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    def __init__(self, total: int, to_run: int, out=sys.stdout):
        self.total, self.to_run, self.out = total, to_run, out
        self.done = 0
        self.ran = 0
        self.ran_seconds = 0.0
        self.start = time.monotonic()

    def line(self, config_id: str, outcome) -> str:
        self.done += 1
        if outcome.status == "skipped":
            what = f"skipped ({outcome.reason})"
        else:
            self.ran += 1
            self.ran_seconds += outcome.seconds
            what = f"{outcome.status} in {duration(outcome.seconds)}"
            if outcome.status == "failed":
                what = f"FAILED in {duration(outcome.seconds)} ({outcome.reason})"
        left = max(0, self.to_run - self.ran)
        if left == 0:
            estimate = "~0s remaining"
        elif self.ran:
            estimate = f"~{duration(self.ran_seconds / self.ran * left)} remaining"
        else:
            estimate = "~? remaining"
        elapsed = duration(time.monotonic() - self.start)
        text = f"[{self.done}/{self.total}] {config_id} {what}, elapsed {elapsed}, {estimate}"
        print(text, file=self.out, flush=True)
        return text

    def note(self, config_id: str, text: str) -> None:
        print(f"  [{self.done + 1}/{self.total}] {config_id} {text}", file=self.out, flush=True)
