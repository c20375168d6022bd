"""Views of the internal dashboard and report: the lists behind each figure, and their charts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from generator.internal.charts import Bar, Chart, bar_chart, column_chart
from generator.internal.ledger import UnitRow
from generator.model.model import Activity, Branch, Donation, Site, Unit, Village
from generator.model.progress import ActivityFigures, Progress, counted_activities, money
from generator.model.sums import activity_value, exact
from generator.model.supervision import Supervision
from generator.render.numbers import count, percent, plain, wan

TOP_UNITS = 15  # bars per unit chart on the dashboard; the ledger has them all


@dataclass(frozen=True)
class ActivityRow:
    """A counted activity with its branches, units and villages resolved and its value in yuan."""

    activity: Activity
    branches: tuple[Branch, ...]
    units: tuple[Unit, ...]
    villages: tuple[Village, ...]
    funds: float
    donation_value: float
    total_value: float


@dataclass(frozen=True)
class ThemeSection:
    """The activities of one theme (or of none), with the theme's figures."""

    anchor: str
    theme: str | None
    figures: ActivityFigures | None
    rows: tuple[ActivityRow, ...]


@dataclass(frozen=True)
class DonationLine:
    """One donation entry of one activity."""

    activity: ActivityRow
    donation: Donation


@dataclass(frozen=True)
class DonationItem:
    """All donations of one item in one unit of measure, with their 折合 value where given."""

    item: str
    unit: str
    quantity: float
    value: float
    valued: bool  # every entry of it had a value


@dataclass(frozen=True)
class Week:
    """Activities in the week starting on Monday `start`."""

    start: date
    activities: int
    participants: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard and the one-file report draw."""

    sections: tuple[ThemeSection, ...]
    theme_anchors: dict[str, str]
    donation_lines: tuple[DonationLine, ...]
    donation_items: tuple[DonationItem, ...]
    weeks: tuple[Week, ...]
    pairing: Chart
    pairing_units: Chart
    weekly: Chart
    unit_value: Chart
    donation_chart: Chart | None
    coverage: Chart
    group_chart: Chart
    units_behind: int
    top_units: int


@dataclass(frozen=True)
class Lookups:
    """What an activity row resolves its ids with: units in the official order, branches, villages."""

    units: Mapping[str, Unit]
    rank: Mapping[str, int]
    branches: Mapping[str, Branch]
    villages: Mapping[str, Village]


def lookups(site: Site) -> Lookups:
    """Return the units, branches and villages of a site by id (units with their place in the official order)."""
    return lookups_of(site.units, site.branches, site.villages)


def lookups_of(units: Sequence[Unit], branches: Iterable[Branch], villages: Iterable[Village]) -> Lookups:
    """Return these units (in the official order), branches and villages by id."""
    return Lookups({u.id: u for u in units}, {u.id: n for n, u in enumerate(units)},
                   {b.id: b for b in branches}, {v.id: v for v in villages})


def rows_of(activities: Iterable[Activity], found: Lookups) -> tuple[ActivityRow, ...]:
    """Return the rows of some counted activities, in their order."""
    rows = []
    for a in activities:
        owned = tuple(found.branches[b] for b in a.branches)
        funds, donated = activity_value(a)
        units = tuple(found.units[u] for u in sorted({b.unit for b in owned}, key=found.rank.__getitem__))
        rows.append(ActivityRow(a, owned, units, tuple(found.villages[v] for v in a.villages), money(funds),
                                money(donated), money(funds + donated)))
    return tuple(rows)


def newest_first(rows: Iterable[ActivityRow]) -> tuple[ActivityRow, ...]:
    """Return activity rows newest first (by date, then id)."""
    # One string per row, not a (date, id) tuple: an ISO date always has 10 characters, so the string sorts as
    # the tuple does, and 100,000 strings sort in about half the time of the tuples (measured).
    return tuple(sorted(rows, key=lambda r: r.activity.date.isoformat() + r.activity.id, reverse=True))


def activity_rows(site: Site) -> tuple[ActivityRow, ...]:
    """Return the counted activities, newest first."""
    return newest_first(rows_of(counted_activities(site), lookups(site)))


def theme_sections(rows: tuple[ActivityRow, ...], progress: Progress) -> tuple[ThemeSection, ...]:
    """Split the activity list by theme, in the order of progress.json; those without a theme last."""
    by_theme: dict[str | None, list[ActivityRow]] = defaultdict(list)
    for r in rows:  # one pass, not one per theme: 100,000 rows take a fifth of a second per pass
        by_theme[r.activity.theme or None].append(r)
    sections = [
        ThemeSection(f"theme-{n}", theme, figures, tuple(by_theme.get(theme, ())))
        for n, (theme, figures) in enumerate(progress.themes, start=1)
    ]
    plain = tuple(by_theme.get(None, ()))
    if plain:
        sections.append(ThemeSection("theme-none", None, None, plain))
    return tuple(sections)


DonationTotals = Mapping[tuple[str, str], tuple[Decimal, Decimal, bool]]
"""(item, unit of measure) → quantity, 折合 value and whether every entry had a value: adds up file by file."""


def donation_totals(rows: Iterable[ActivityRow]) -> DonationTotals:
    """Sum the donations of some activity rows per (item, unit of measure), exactly."""
    totals: dict[tuple[str, str], tuple[Decimal, Decimal, bool]] = {}
    for r in rows:
        for d in r.activity.donations:
            key = (d.item, d.unit)
            quantity, value, valued = totals.get(key, (Decimal(0), Decimal(0), True))
            totals[key] = (quantity + exact(d.quantity), value + exact(d.value or 0), valued and d.value is not None)
    return totals


def donation_items(rows: tuple[ActivityRow, ...]) -> tuple[DonationItem, ...]:
    """Sum quantities and values per (item, unit), in the order of progress.json."""
    return donation_items_of([donation_totals(rows)])


def donation_items_of(parts: Iterable[DonationTotals]) -> tuple[DonationItem, ...]:
    """Return the donation items of the totals of disjoint sets of activities (`donation_totals`), merged."""
    totals: dict[tuple[str, str], tuple[Decimal, Decimal, bool]] = {}
    for part in parts:
        for key, (quantity, value, valued) in part.items():
            was = totals.get(key)
            totals[key] = (quantity, value, valued) if was is None else (
                was[0] + quantity, was[1] + value, was[2] and valued)
    return tuple(DonationItem(i, u, float(q), money(v), valued)
                 for (i, u), (q, v, valued) in sorted(totals.items()))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


WeekTally = Mapping[date, tuple[int, int]]
"""Monday → activities and participants of that week: adds up file by file."""


def week_tally(rows: Iterable[ActivityRow]) -> WeekTally:
    """Count some activities and their participants per week (by the Monday it starts on)."""
    found: dict[date, tuple[int, int]] = {}
    monday_of: dict[date, date] = {}  # many activities share a day
    for r in rows:
        day = r.activity.date
        monday = monday_of.get(day)
        if monday is None:
            monday = monday_of[day] = _monday(day)
        count, people = found.get(monday, (0, 0))
        found[monday] = (count + 1, people + r.activity.participants)
    return found


def weekly(site: Site, rows: tuple[ActivityRow, ...]) -> tuple[Week, ...]:
    """Count activities per week (Monday to Sunday) from the campaign start, or the first activity, to as_of."""
    return weeks_of(site, [week_tally(rows)])


def weeks_of(site: Site, parts: Iterable[WeekTally]) -> tuple[Week, ...]:
    """Return the weeks of the tallies of disjoint sets of activities (`week_tally`), merged (see `weekly`)."""
    count: dict[date, int] = defaultdict(int)
    people: dict[date, int] = defaultdict(int)
    for part in parts:
        for monday, (n, p) in part.items():
            count[monday] += n
            people[monday] += p
    if not count:
        return ()
    # The Monday of the earliest of the first activity, the campaign start and as_of (Mondays keep the order).
    start = min(min(count), _monday(site.settings.campaign.start), _monday(site.as_of))
    weeks = []
    while start <= site.as_of:
        weeks.append(Week(start, count.get(start, 0), people.get(start, 0)))
        start += timedelta(days=7)
    return tuple(weeks)


def _short(day: date) -> str:
    return f"{day.month}/{day.day}"




def build_dashboard(site: Site, progress: Progress, units: tuple[UnitRow, ...], supervision: Supervision,
                    rows: tuple[ActivityRow, ...] | None = None, items: tuple[DonationItem, ...] | None = None,
                    weeks: tuple[Week, ...] | None = None) -> Dashboard:
    """Assemble the dashboard's lists and charts.

    `rows`, `items`, `weeks`: the site's `activity_rows`, `donation_items` and `weekly`, when already made.
    """
    rows = activity_rows(site) if rows is None else rows
    sections = theme_sections(rows, progress)
    items = donation_items(rows) if items is None else items
    weeks = weekly(site, rows) if weeks is None else weeks
    b = progress.branches

    pairing = bar_chart("pairing", "支部对接进度", [
        Bar("已完成对接的支部", b.paired, f"{count(b.paired)}/{count(b.total)} · {percent(b.rate)}")], scale=b.total or 1)
    place = {r.unit.id: n for n, r in enumerate(units)}  # ties keep the official order
    behind = sorted((r for r in units if r.figures.paired < r.figures.branches),
                    key=lambda r: (r.rate, -r.figures.branches, place[r.unit.id]))
    pairing_units = bar_chart(
        "pairing-units", "尚未全部对接的单位（对接率最低的在前）",
        [Bar(r.unit.name, r.rate, f"{count(r.figures.paired)}/{count(r.figures.branches)} · {percent(r.rate)}")
         for r in behind[:TOP_UNITS]],
        scale=1.0)
    by_value = sorted(units, key=lambda r: (-r.figures.total_value, place[r.unit.id]))[:TOP_UNITS]
    unit_value = bar_chart(
        "unit-value", "各单位资金与捐赠折合（最多的在前）",
        [Bar(r.unit.name, r.figures.total_value, wan(r.figures.total_value)) for r in by_value])
    described = "；".join(f"{w.start.month}月{w.start.day}日起一周 {count(w.activities)} 次" for w in weeks)
    weekly_chart = column_chart(
        "weekly", "每周活动次数", [_short(w.start) for w in weeks], [w.activities for w in weeks], "活动次数",
        f"每周（周一至周日）开展的活动次数：{described}。" if weeks else "暂无活动记录。")
    valued = sorted((i for i in items if i.value > 0), key=lambda i: (-i.value, i.item, i.unit))
    donation_chart = bar_chart(
        "donations", "捐赠物资折合金额",
        [Bar(f"{i.item} {plain(i.quantity)} {i.unit}", i.value, wan(i.value)) for i in valued]) if valued else None
    cov = supervision.coverage
    coverage = bar_chart("coverage", "督导覆盖", [
        Bar("已对接的共建村中督导到的", _share(cov.paired_visited, cov.villages_paired),
            f"{count(cov.paired_visited)}/{count(cov.villages_paired)} 个村"),
        Bar("共建村所在乡镇中督导到的", _share(cov.paired_towns_visited, cov.towns_paired),
            f"{count(cov.paired_towns_visited)}/{count(cov.towns_paired)} 个乡镇"),
    ], scale=1.0, description=(
        f"督导组共走访 {count(cov.villages_visited)} 个村、{count(cov.towns_visited)} 个乡镇；"
        f"已对接的 {count(cov.villages_paired)} 个共建村中督导到 {count(cov.paired_visited)} 个，"
        f"共建村所在的 {count(cov.towns_paired)} 个乡镇中督导到 {count(cov.paired_towns_visited)} 个。"))
    group_chart = bar_chart("groups", "各督导组督导次数",
                            [Bar(_group_name(g.group), len(g.visits), f"{count(len(g.visits))} 次 · {count(g.villages)} 个村")
                             for g in supervision.groups])
    return Dashboard(
        sections=sections,
        theme_anchors={s.theme: s.anchor for s in sections if s.theme},
        donation_lines=tuple(DonationLine(r, d) for r in rows for d in r.activity.donations),
        donation_items=items, weeks=weeks, pairing=pairing, pairing_units=pairing_units, weekly=weekly_chart,
        unit_value=unit_value, donation_chart=donation_chart, coverage=coverage, group_chart=group_chart,
        units_behind=len(behind), top_units=TOP_UNITS,
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _group_name(group: str) -> str:
    return f"第{group}督导组" if group.isdigit() else group
