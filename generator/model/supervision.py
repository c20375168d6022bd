"""The supervision visits (督导) per group and per town, with their checks and coverage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from generator.model.model import Branch, Inspection, Site, Unit, Village
from generator.model.progress import paired_branches

RESULTS = ("达标", "基本达标", "未达标")


@dataclass(frozen=True)
class Visit:
    """One inspection with its villages, branches and their units resolved."""

    inspection: Inspection
    villages: tuple[Village, ...]
    branches: tuple[Branch, ...]
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class CheckTally:
    """How often one check item came out 达标, 基本达标 and 未达标."""

    item: str
    counts: tuple[int, int, int]

    @property
    def total(self) -> int:
        """Return how often the item was checked."""
        return sum(self.counts)

    @property
    def results(self) -> tuple[tuple[str, int], ...]:
        """Return the results that occurred, with how often: (("达标", 3), ("未达标", 1))."""
        return tuple((label, n) for label, n in zip(RESULTS, self.counts, strict=True) if n)


@dataclass(frozen=True)
class GroupRow:
    """The visits of one supervision group."""

    group: str
    visits: tuple[Visit, ...]
    villages: int
    towns: int
    first: date
    last: date
    checks: tuple[CheckTally, ...]


@dataclass(frozen=True)
class TownRow:
    """One town (county + town): which of its villages were visited, of those paired."""

    county: str
    town: str
    visited: tuple[Village, ...]
    paired: tuple[Village, ...]
    visits: int
    groups: tuple[str, ...]
    last: date | None


@dataclass(frozen=True)
class Coverage:
    """How much of the paired villages and their towns the groups have seen."""

    villages_visited: int
    villages_paired: int
    paired_visited: int
    towns_visited: int
    towns_paired: int
    paired_towns_visited: int


@dataclass(frozen=True)
class Supervision:
    """Everything the inspections page shows."""

    visits: tuple[Visit, ...]
    groups: tuple[GroupRow, ...]
    towns: tuple[TownRow, ...]
    checks: tuple[CheckTally, ...]
    coverage: Coverage
    follow_ups: tuple[Visit, ...]


def group_order(group: str) -> tuple[bool, int, str]:
    """Sort groups 1, 2, … 10 as numbers, then named groups by name."""
    return (not group.isdigit(), int(group) if group.isdigit() else 0, group)


def _tally(visits: list[Visit] | tuple[Visit, ...]) -> tuple[CheckTally, ...]:
    counts: dict[str, list[int]] = {}
    for v in visits:
        for item, result in v.inspection.checks:
            counts.setdefault(item, [0, 0, 0])[RESULTS.index(result)] += 1
    return tuple(CheckTally(item, (c[0], c[1], c[2])) for item, c in counts.items())


def summarize_supervision(site: Site) -> Supervision:
    """Return the counted visits (dated on or before as_of) per group and per town."""
    villages = {v.id: v for v in site.villages}
    branches = {b.id: b for b in site.branches}
    units = {u.id: u for u in site.units}
    visits = []
    for i in sorted(site.inspections, key=lambda i: (i.date, i.id)):
        if i.date > site.as_of:
            continue
        owned = tuple(branches[b] for b in i.branches)
        unit_ids = sorted({b.unit for b in owned})
        visits.append(Visit(i, tuple(villages[v] for v in i.villages), owned, tuple(units[u] for u in unit_ids)))

    per_group: dict[str, list[Visit]] = defaultdict(list)
    for v in visits:
        per_group[v.inspection.group].append(v)
    groups = tuple(
        GroupRow(g, tuple(vs), len({x.id for v in vs for x in v.villages}),
                 len({(x.county, x.town) for v in vs for x in v.villages}),
                 vs[0].inspection.date, vs[-1].inspection.date, _tally(vs))
        for g, vs in sorted(per_group.items(), key=lambda kv: group_order(kv[0]))
    )

    paired = paired_branches(site)
    paired_villages = {b.village for b in site.branches if b.id in paired and b.village}
    visited = {x.id for v in visits for x in v.villages}
    town_of = {v.id: (v.county, v.town) for v in site.villages}
    # Villages and visits grouped by town once (a scan per town is quadratic at 20,000 villages).
    villages_in: dict[tuple[str, str], list[Village]] = defaultdict(list)
    for village in site.villages:
        villages_in[town_of[village.id]].append(village)
    visits_in: dict[tuple[str, str], list[Visit]] = defaultdict(list)
    for visit in visits:
        for key in dict.fromkeys(town_of[x.id] for x in visit.villages):
            visits_in[key].append(visit)
    towns = []
    for county, town in sorted({town_of[x] for x in visited | paired_villages}):
        here = villages_in[(county, town)]
        seen = visits_in[(county, town)]
        towns.append(TownRow(
            county, town, tuple(v for v in here if v.id in visited), tuple(v for v in here if v.id in paired_villages),
            len(seen), tuple(sorted({v.inspection.group for v in seen}, key=group_order)),
            max((v.inspection.date for v in seen), default=None),
        ))
    towns_visited = {town_of[x] for x in visited}
    towns_paired = {town_of[x] for x in paired_villages}
    coverage = Coverage(len(visited), len(paired_villages), len(visited & paired_villages), len(towns_visited),
                        len(towns_paired), len(towns_visited & towns_paired))
    follow_ups = tuple(v for v in visits if v.inspection.follow_up)
    return Supervision(tuple(visits), groups, tuple(towns), _tally(visits), coverage, follow_ups)
