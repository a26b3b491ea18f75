"""From loaded records to everything the report shows, per provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

from .configs import build_configs
from .provenance import split_by_provenance
from .scaling import build_groups
from .tutorial import items_figures


@dataclass
class Section:
    provenance: object
    records: list
    configs: list
    failed: list
    strong: list
    weak: list
    items: list


@dataclass
class Analysis:
    loaded: object
    pooled: bool                      # --mixed: provenance pooled on purpose
    sections: list = field(default_factory=list)

    def all(self, name) -> list:
        return [x for s in self.sections for x in getattr(s, name)]

    @property
    def mixed(self) -> bool:
        return any(s.provenance.mixed for s in self.sections)


def analyse(loaded, mixed=False) -> Analysis:
    analysis = Analysis(loaded, mixed)
    for provenance, records in split_by_provenance(loaded.records, mixed):
        configs, failed = build_configs(provenance, records)
        strong, weak = build_groups(configs)
        analysis.sections.append(Section(provenance, records, configs, failed,
                                         strong, weak, items_figures(configs)))
    return analysis
