"""Sums over activities that add up: worked out per ledger file, merged for the campaign.

An activity edit changes one file's sums; the campaign's are those of every file merged,
which costs as much as there are branches and themes, not activities. Money is summed as
exact decimals and rounded only when a figure is shown, so merged sums give the very figures
that one pass over all activities gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from generator.model.model import Activity


@dataclass(frozen=True)
class Tally:
    """Count, participants, cash and donated value (折合) of some activities."""

    count: int = 0
    participants: int = 0
    funds: Decimal = Decimal(0)
    donated: Decimal = Decimal(0)
    last: date | None = None  # the latest activity date

    def plus(self, other: Tally) -> Tally:
        """Return the tally of both sets of activities."""
        last = self.last if other.last is None or (self.last is not None and self.last >= other.last) else other.last
        return Tally(self.count + other.count, self.participants + other.participants, self.funds + other.funds,
                     self.donated + other.donated, last)


@dataclass(frozen=True)
class ThemeSums:
    """The activities of one theme: their tally and the branches that took part."""

    tally: Tally
    branches: frozenset[str]


@dataclass(frozen=True)
class ActivitySums:
    """What the figures need of a set of counted activities, in a form that adds up."""

    total: Tally
    branches_active: frozenset[str]  # every branch that took part in one
    by_branch: Mapping[str, Tally]  # each activity in full for each branch that took part
    by_unit: Mapping[str, Tally]  # each activity in full for each unit whose branch took part, once per unit
    themes: Mapping[str, ThemeSums]
    quantities: Mapping[tuple[str, str], Decimal]  # donated (item, unit of measure) → quantity


def exact(value: float | int) -> Decimal:
    """Return a number as the decimal the records wrote (2000.5, not 2000.4999…)."""
    return Decimal(str(value))


def activity_value(activity: Activity) -> tuple[Decimal, Decimal]:
    """Return the cash and the donated value (折合) of one activity, exactly."""
    funds = exact(activity.funds or 0)
    donated = sum((exact(d.value) for d in activity.donations if d.value is not None), Decimal(0))
    return funds, donated


def sums_of(activities: Iterable[Activity], unit_of: Mapping[str, str]) -> ActivitySums:
    """Return the sums of some counted activities (`unit_of`: branch id → unit id)."""
    by_branch: dict[str, Tally] = {}
    by_unit: dict[str, Tally] = {}
    theme_tally: dict[str, Tally] = {}
    theme_branches: dict[str, set[str]] = defaultdict(set)
    quantities: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    total = Tally()
    active: set[str] = set()
    for a in activities:
        funds, donated = activity_value(a)
        one = Tally(1, a.participants, funds, donated, a.date)
        total = total.plus(one)
        active.update(a.branches)
        for b in a.branches:
            by_branch[b] = by_branch[b].plus(one) if b in by_branch else one
        for u in {unit_of[b] for b in a.branches}:
            by_unit[u] = by_unit[u].plus(one) if u in by_unit else one
        if a.theme:
            theme_tally[a.theme] = theme_tally[a.theme].plus(one) if a.theme in theme_tally else one
            theme_branches[a.theme].update(a.branches)
        for d in a.donations:
            quantities[(d.item, d.unit)] += exact(d.quantity)
    themes = {t: ThemeSums(theme_tally[t], frozenset(theme_branches[t])) for t in theme_tally}
    return ActivitySums(total, frozenset(active), by_branch, by_unit, themes, dict(quantities))


def merged(parts: Iterable[ActivitySums]) -> ActivitySums:
    """Return the sums of the union of disjoint sets of activities."""
    total = Tally()
    active: set[str] = set()
    by_branch: dict[str, Tally] = {}
    by_unit: dict[str, Tally] = {}
    themes: dict[str, ThemeSums] = {}
    quantities: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for part in parts:
        total = total.plus(part.total)
        active |= part.branches_active
        for key, tally in part.by_branch.items():
            by_branch[key] = by_branch[key].plus(tally) if key in by_branch else tally
        for key, tally in part.by_unit.items():
            by_unit[key] = by_unit[key].plus(tally) if key in by_unit else tally
        for theme, sums in part.themes.items():
            was = themes.get(theme)
            themes[theme] = sums if was is None else ThemeSums(was.tally.plus(sums.tally), was.branches | sums.branches)
        for given, quantity in part.quantities.items():
            quantities[given] += quantity
    return ActivitySums(total, frozenset(active), by_branch, by_unit, themes, dict(quantities))
