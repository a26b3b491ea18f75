"""From loaded records to everything the report shows, per provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

from .configs import build_configs
from .provenance import split_by_provenance
from .scaling import build_groups
from .simulated import points as simulated_points
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
    simulated: list  # simulated.Point: SMPI's records, apart from measured ones


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
        measured = [r for r in records if not r.simulated]
        configs, failed = build_configs(provenance, measured)
        strong, weak = build_groups(configs)
        simulated = [r for r in records if r.simulated]
        failed += build_configs(provenance, simulated)[1]
        analysis.sections.append(Section(provenance, records, configs, failed, strong, weak,
                                         items_figures(configs), simulated_points(simulated)))
    return analysis
