"""Which build ran on which host: records from different ones are not mixed
silently. By default each (build, host) pair is analysed on its own; when
pooling is asked for, every table and the report say plainly what was mixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    builds: tuple
    hosts: tuple

    @property
    def mixed(self) -> bool:
        return len(self.builds) > 1 or len(self.hosts) > 1

    @property
    def label(self) -> str:
        if not self.mixed:
            return f"build {self.builds[0]} on host {self.hosts[0]}"
        return ("MIXED builds " + ", ".join(self.builds)
                + " / hosts " + ", ".join(self.hosts))

    @property
    def slug(self) -> str:
        text = "mixed" if self.mixed else f"{self.builds[0]}-{self.hosts[0]}"
        return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:60] or "records"


def split_by_provenance(records, mixed=False) -> list:
    """[(Provenance, records)], one entry per build/host pair, or one pooled."""
    if mixed:
        builds = tuple(sorted({r.build for r in records}))
        hosts = tuple(sorted({r.host for r in records}))
        return [(Provenance(builds, hosts), list(records))] if records else []
    groups = {}
    for record in records:
        groups.setdefault((record.build, record.host), []).append(record)
    return [(Provenance((build,), (host,)), groups[(build, host)])
            for build, host in sorted(groups)]


def provenance_rows(records) -> list:
    """One row per (build, host): how many records, jobs, and when."""
    rows = {}
    for r in records:
        row = rows.setdefault((r.build, r.host), {
            "build": r.build, "host": r.host, "records": 0, "jobs": set(),
            "first": r.time, "last": r.time})
        row["records"] += 1
        if r.job_id is not None:
            row["jobs"].add(str(r.job_id))
        row["first"] = min(row["first"], r.time)
        row["last"] = max(row["last"], r.time)
    out = []
    for key in sorted(rows):
        row = rows[key]
        out.append({**row, "jobs": len(row["jobs"]),
                    "first": row["first"].strftime("%Y-%m-%d %H:%M:%SZ"),
                    "last": row["last"].strftime("%Y-%m-%d %H:%M:%SZ")})
    return out
