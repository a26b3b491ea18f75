"""A run's layout, one rule for the sweep and the report: its workers are
its ranks × its threads (each OpenMP thread of each rank one worker)."""

from __future__ import annotations


class RanksAndThreads:
    """For a class with `ranks` and `threads` (a record, a configuration)."""

    __slots__ = ()

    @property
    def workers(self) -> int:
        return self.ranks * self.threads
