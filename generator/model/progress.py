"""Compute the campaign figures of spec §3 from the validated Site (pure functions)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from generator.model.model import Activity, Branch, Site
from generator.model.sums import ActivitySums, Tally, exact, sums_of


@dataclass(frozen=True)
class BranchCounts:
    """How many branches there are and how many are paired by as_of."""

    total: int
    paired: int
    rate: float


@dataclass(frozen=True)
class ActivityFigures:
    """Totals over a set of activities."""

    count: int
    units: int
    branches: int
    participants: int
    funds: float
    donation_value: float
    total_value: float


@dataclass(frozen=True)
class DonationTotal:
    """Quantity given of one item, in one unit of measure."""

    item: str
    unit: str
    quantity: float


@dataclass(frozen=True)
class InspectionCounts:
    """Public counts of supervision visits."""

    count: int
    groups: int
    villages: int
    towns: int


@dataclass(frozen=True)
class LaggingBranch:
    """A branch for the 约谈名单: unpaired, or paired long enough and inactive."""

    branch: str
    reason: str
    last_activity: date | None


@dataclass(frozen=True)
class UnitProgress:
    """Ledger line of one unit."""

    unit: str
    branches: int
    paired: int
    activities: int
    participants: int
    total_value: float
    last_activity: date | None


@dataclass(frozen=True)
class Progress:
    """Every figure of spec §3."""

    as_of: date
    branches: BranchCounts
    activities: ActivityFigures
    themes: tuple[tuple[str, ActivityFigures], ...]
    donations: tuple[DonationTotal, ...]
    inspections: InspectionCounts
    lagging: tuple[LaggingBranch, ...]
    by_unit: tuple[UnitProgress, ...]


@dataclass(frozen=True)
class ProgressChange:
    """What was added after `since`, up to as_of (--since): the weekly report's 新增 figures."""

    since: date
    as_of: date
    paired: int
    activities: int
    participants: int
    total_value: float
    inspections: int
    lagging_before: int
    lagging_now: int

    @property
    def days(self) -> int:
        """Return the length of the period in days."""
        return (self.as_of - self.since).days


CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Round yuan to 2 places, halves up, as the accounts do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> float:
    """Return yuan rounded to 2 places, as a float for the views and the JSON."""
    return float(cents(value))


def ratio(part: int, whole: int) -> float:
    """Return part / whole rounded to 4 places, halves up; 0 when there is nothing to divide."""
    if whole == 0:
        return 0.0
    if part >= 0 and whole > 0:  # floor(part / whole × 10,000 + ½) in integers: exact, and 50× faster than Fraction
        return (part * 20_000 + whole) // (2 * whole) / 10_000
    return math.floor(Fraction(part, whole) * 10_000 + Fraction(1, 2)) / 10_000


def counted_activities(site: Site) -> tuple[Activity, ...]:
    """Return the activities dated on or before as_of."""
    return tuple(a for a in site.activities if a.date <= site.as_of)


def paired_branches(site: Site) -> frozenset[str]:
    """Return the ids of branches paired on or before as_of (a later pairing does not count yet)."""
    return frozenset(b.id for b in site.branches if b.paired_on is not None and b.paired_on <= site.as_of)


def lagging_cutoff(site: Site) -> date:
    """Return as_of − lagging_days: pairings on or before it must show activity after it."""
    return cutoff_of(site.as_of, site.settings.lagging_days)


def cutoff_of(as_of: date, lagging_days: int) -> date:
    """Return the lagging cut-off of a cut-off date (lagging_cutoff without a site)."""
    return as_of - timedelta(days=lagging_days)


def figures_of(tally: Tally, branches: frozenset[str], unit_of: Mapping[str, str]) -> ActivityFigures:
    """Return the figures of some activities from their tally and the branches that took part."""
    units = {unit_of[b] for b in branches}
    # total_value is the sum of the two rounded figures, so the document adds up as printed.
    return ActivityFigures(tally.count, len(units), len(branches), tally.participants, money(tally.funds),
                           money(tally.donated), money(cents(tally.funds) + cents(tally.donated)))


def compute_progress(site: Site, sums: ActivitySums | None = None) -> Progress:
    """Compute the figures of spec §3 as of `site.as_of`.

    `sums`: the counted activities' sums (model/sums.py), when already worked out (file by file).
    """
    as_of = site.as_of
    unit_of = {b.id: b.unit for b in site.branches}
    if sums is None:
        sums = sums_of(counted_activities(site), unit_of)
    paired = paired_branches(site)
    branch_counts = BranchCounts(len(site.branches), len(paired), ratio(len(paired), len(site.branches)))
    themes = tuple((t, figures_of(sums.themes[t].tally, sums.themes[t].branches, unit_of)) for t in sorted(sums.themes))
    donations = tuple(DonationTotal(i, u, float(sums.quantities[(i, u)])) for i, u in sorted(sums.quantities))

    inspections = [i for i in site.inspections if i.date <= as_of]
    place = {v.id: (v.county, v.town) for v in site.villages}
    visited = {v for i in inspections for v in i.villages}
    inspection_counts = InspectionCounts(
        len(inspections), len({i.group for i in inspections}), len(visited), len({place[v] for v in visited})
    )

    last = {b: t.last for b, t in sums.by_branch.items() if t.last is not None}
    return Progress(
        as_of=as_of,
        branches=branch_counts,
        activities=figures_of(sums.total, sums.branches_active, unit_of),
        themes=themes,
        donations=donations,
        inspections=inspection_counts,
        lagging=_lagging(site, paired, last),
        by_unit=_by_unit(site, paired, sums),
    )


def progress_change(site: Site, now: Progress, since: date) -> ProgressChange:
    """Compare the figures as of `since` with `now` (as of site.as_of; `since` comes before it)."""
    before = compute_progress(replace(site, as_of=since))
    was, new = before.activities, now.activities
    return ProgressChange(
        since=since,
        as_of=now.as_of,
        paired=now.branches.paired - before.branches.paired,
        activities=new.count - was.count,
        participants=new.participants - was.participants,
        total_value=money(exact(new.total_value) - exact(was.total_value)),
        inspections=now.inspections.count - before.inspections.count,
        lagging_before=len(before.lagging),
        lagging_now=len(now.lagging),
    )


def lagging_reason(branch: Branch, as_of: date, cutoff: date, recent: date | None) -> str | None:
    """Return why a branch is on the 约谈名单 ("unpaired", "inactive") or None; `recent`: its latest counted activity."""
    if branch.paired_on is None or branch.paired_on > as_of:
        return "unpaired"
    if branch.paired_on <= cutoff and (recent is None or recent <= cutoff):
        return "inactive"
    return None


def _lagging(site: Site, paired: frozenset[str], last: dict[str, date]) -> tuple[LaggingBranch, ...]:
    cutoff = lagging_cutoff(site)
    lagging = []
    for branch in sorted(site.branches, key=lambda b: b.id):
        recent = last.get(branch.id)
        reason = lagging_reason(branch, site.as_of, cutoff, recent)
        if reason is not None:
            lagging.append(LaggingBranch(branch.id, reason, recent))
    return tuple(lagging)


def _by_unit(site: Site, paired: frozenset[str], sums: ActivitySums) -> tuple[UnitProgress, ...]:
    branches: dict[str, int] = defaultdict(int)
    paired_count: dict[str, int] = defaultdict(int)
    for b in site.branches:
        branches[b.unit] += 1
        paired_count[b.unit] += b.id in paired
    none = Tally()
    return tuple(
        UnitProgress(u.id, branches[u.id], paired_count[u.id], t.count, t.participants, money(t.funds + t.donated),
                     t.last)
        for u in sorted(site.units, key=lambda u: u.id)
        for t in (sums.by_unit.get(u.id, none),)
    )


def _number(value: float) -> int | float:
    """Write whole numbers without a trailing .0, as people read them."""
    return int(value) if float(value).is_integer() else value


def _figures(f: ActivityFigures) -> dict[str, int | float]:
    return {
        "count": f.count, "units": f.units, "branches": f.branches, "participants": f.participants,
        "funds": _number(f.funds), "donation_value": _number(f.donation_value),
        "total_value": _number(f.total_value),
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def progress_document(p: Progress) -> dict[str, object]:
    """Return progress as the JSON document of spec §3, with exactly its names."""
    return {
        "as_of": p.as_of.isoformat(),
        "branches": {"total": p.branches.total, "paired": p.branches.paired, "rate": p.branches.rate},
        "activities": _figures(p.activities),
        "themes": {theme: _figures(f) for theme, f in p.themes},
        "donations": [{"item": d.item, "unit": d.unit, "quantity": _number(d.quantity)} for d in p.donations],
        "inspections": {"count": p.inspections.count, "groups": p.inspections.groups,
                        "villages": p.inspections.villages, "towns": p.inspections.towns},
        "lagging": [{"branch": e.branch, "reason": e.reason, "last_activity": _day(e.last_activity)}
                    for e in p.lagging],
        "by_unit": [{"unit": u.unit, "branches": u.branches, "paired": u.paired, "activities": u.activities,
                     "participants": u.participants, "total_value": _number(u.total_value),
                     "last_activity": _day(u.last_activity)} for u in p.by_unit],
    }


def progress_json(p: Progress) -> str:
    """Serialize progress as stable, readable UTF-8 JSON."""
    return json.dumps(progress_document(p), ensure_ascii=False, indent=2) + "\n"
