"""The ledger (台账) per branch and per unit, the lagging list (约谈名单), and their CSV for Excel."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from generator.model.model import Branch, Site, Unit, Village
from generator.model.progress import (
    Progress,
    UnitProgress,
    counted_activities,
    lagging_cutoff,
    lagging_reason,
    money,
    ratio,
)
from generator.model.sums import ActivitySums, Tally, sums_of
from generator.render.numbers import percent

REASONS = {"unpaired": "尚未对接", "inactive": "近期无活动"}


@dataclass(frozen=True)
class BranchRow:
    """One line of the branch ledger; an activity shared by branches counts in full for each."""

    branch: Branch
    unit: Unit
    village: Village | None  # None until paired on or before as_of
    paired_on: date | None
    activities: int
    participants: int
    funds: float
    donation_value: float
    total_value: float
    last_activity: date | None
    lagging: str | None  # "unpaired", "inactive" or None


@dataclass(frozen=True)
class UnitRow:
    """One line of the unit ledger: the unit's figures of progress.json and a little more."""

    unit: Unit
    figures: UnitProgress
    rate: float
    member_pairs: int
    household_pairs: int
    lagging: int


@dataclass(frozen=True)
class LaggingRow:
    """A branch on the lagging list, with what the caller needs to know before phoning."""

    row: BranchRow
    reason: str
    reason_zh: str
    days_since: int | None  # days from the last activity to as_of; None when there was none


@dataclass(frozen=True)
class LaggingGroup:
    """The lagging branches of one unit."""

    unit: Unit
    branches: int
    rows: tuple[LaggingRow, ...]


def branch_rows(site: Site, progress: Progress, sums: ActivitySums | None = None) -> tuple[BranchRow, ...]:
    """Return a ledger line per branch, by unit (in the official order of site.units) then branch id.

    `sums`: the counted activities' sums (model/sums.py), when already worked out.
    """
    if sums is None:
        sums = sums_of(counted_activities(site), {b.id: b.unit for b in site.branches})
    villages = {v.id: v for v in site.villages}
    cutoff = lagging_cutoff(site)
    own: dict[str, list[Branch]] = defaultdict(list)
    for b in site.branches:
        own[b.unit].append(b)
    return tuple(row for u in site.units
                 for row in unit_branch_rows(u, own[u.id], villages, site.as_of, cutoff,
                                             [sums.by_branch.get(b.id) for b in own[u.id]]))


def unit_branch_rows(unit: Unit, branches: Sequence[Branch], villages: Mapping[str, Village], as_of: date,
                     cutoff: date, tallies: Sequence[Tally | None]) -> tuple[BranchRow, ...]:
    """Return the ledger lines of one unit's branches, by branch id; `tallies`: each branch's (model/sums.py)."""
    none = Tally()
    rows = []
    for b, tally in zip(branches, tallies, strict=True):
        t = tally or none  # each activity in full for each branch that took part
        is_paired = b.paired_on is not None and b.paired_on <= as_of and b.village is not None
        rows.append(BranchRow(
            b, unit, villages[b.village] if is_paired and b.village else None,
            b.paired_on if is_paired else None, t.count, t.participants, money(t.funds),
            money(t.donated), money(t.funds + t.donated), t.last, lagging_reason(b, as_of, cutoff, t.last),
        ))
    return tuple(sorted(rows, key=lambda r: r.branch.id))


def unit_rows(site: Site, progress: Progress) -> tuple[UnitRow, ...]:
    """Return a ledger line per unit, in the official order of site.units (progress.json keeps id order)."""
    units = {u.id: u for u in site.units}
    figures = {f.unit: f for f in progress.by_unit}
    pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for b in site.branches:
        pairs[b.unit][0] += b.member_pairs or 0
        pairs[b.unit][1] += b.household_pairs or 0
    unit_of = {b.id: b.unit for b in site.branches}
    lagging: dict[str, int] = defaultdict(int)
    for entry in progress.lagging:
        lagging[unit_of[entry.branch]] += 1
    return tuple(
        UnitRow(units[f.unit], f, ratio(f.paired, f.branches), pairs[f.unit][0], pairs[f.unit][1], lagging[f.unit])
        for f in (figures[u.id] for u in site.units)
    )


def lagging_groups(site: Site, rows: Sequence[BranchRow]) -> tuple[LaggingGroup, ...]:
    """Group the lagging branches by unit; within a unit, the longest silent first."""
    per_unit: dict[str, list[BranchRow]] = defaultdict(list)
    for r in rows:
        per_unit[r.unit.id].append(r)
    groups = (unit_lagging_group(u, per_unit[u.id], site.as_of) for u in site.units)
    return tuple(g for g in groups if g is not None)


def unit_lagging_group(unit: Unit, rows: Sequence[BranchRow], as_of: date) -> LaggingGroup | None:
    """Return the lagging branches among one unit's ledger lines, the longest silent first; None when there are none."""
    entries = [LaggingRow(r, r.lagging, REASONS[r.lagging], (as_of - r.last_activity).days if r.last_activity else None)
               for r in rows if r.lagging is not None]
    if not entries:
        return None
    entries.sort(key=lambda e: (e.days_since is not None, -(e.days_since or 0), e.row.branch.id))
    return LaggingGroup(unit, len(rows), tuple(entries))


# --- CSV for Excel -----------------------------------------------------------------------------------------------

class Text(str):
    """A cell that must stay text in a spreadsheet: an identifier or a phone number."""


Cell = str | int | float | date | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LITERAL_LIMIT = 255  # Excel refuses a string constant longer than this inside a formula


def _text_cell(value: str) -> str:
    """Write an identifier or phone number as the formula ="…" so that it stays text.

    Opened directly, Excel and WPS guess types: 13800138000 becomes 1.38E+10, 0635 loses its 0, 1-2 becomes a
    date. A leading ' is shown as a character when a CSV is opened (it only works when typed), and a leading tab
    stays in the cell; the formula ="…" is the form both Excel and WPS evaluate to the text itself. It cannot run
    anything: the value is a string constant, its quotes doubled.
    """
    if not value:
        return ""
    if len(value) > LITERAL_LIMIT or value.startswith(FORMULA_STARTS):  # the formula guard below keeps it text
        return _cell(str(value))
    return '="' + value.replace('"', '""') + '"'


def _cell(value: Cell) -> str:
    """Write a cell as Excel should read it; text that Excel would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return _text_cell(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0")
    if isinstance(value, date):
        return value.isoformat()
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Return CSV that Excel opens with its Chinese intact: UTF-8 with BOM, CRLF lines."""
    return csv_file(header, [csv_lines(rows)])


def csv_lines(rows: Iterable[Sequence[Cell]]) -> str:
    """Return rows as CSV lines without a header: a piece of a file that `csv_file` joins (one unit's lines)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # one writer for all the rows, not one per line
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def csv_file(header: Sequence[str], pieces: Iterable[str]) -> bytes:
    """Return the header and the pieces (`csv_lines`) as one CSV file: UTF-8 with BOM, CRLF lines."""
    return (csv_lines([header]) + "".join(pieces)).encode("utf-8-sig")


def _phone(value: str | None) -> Text | None:
    return Text(value) if value else None


BRANCH_HEADER = ("单位", "支部编号", "支部名称", "党员人数", "共建村", "乡镇（街道）", "县（市、区）", "对接日期",
                 "活动次数", "党员参与人次", "投入资金（元）", "捐赠折合（元）", "合计（元）", "最近活动",
                 "党员结对数", "重点户结对数", "支部书记", "联系电话", "约谈")


def branch_csv(rows: Sequence[BranchRow]) -> bytes:
    """Return the branch ledger as CSV."""
    return csv_file(BRANCH_HEADER, [branch_csv_lines(rows)])


def branch_csv_lines(rows: Sequence[BranchRow]) -> str:
    """Return branch ledger lines as CSV lines (`csv_lines`), without the header."""
    return csv_lines(
        (r.unit.name, Text(r.branch.id), r.branch.name, r.branch.members,
         r.village.name if r.village else None, r.village.town if r.village else None,
         r.village.county if r.village else None, r.paired_on, r.activities, r.participants, r.funds,
         r.donation_value, r.total_value, r.last_activity, r.branch.member_pairs, r.branch.household_pairs,
         r.branch.secretary, _phone(r.branch.phone), REASONS.get(r.lagging or ""))
        for r in rows
    )


UNIT_HEADER = ("单位编号", "单位名称", "类别", "支部数", "已对接", "对接率", "活动次数", "党员参与人次",
               "资金与捐赠折合（元）", "最近活动", "党员结对数", "重点户结对数", "约谈支部数")


def unit_csv(rows: Sequence[UnitRow]) -> bytes:
    """Return the unit ledger as CSV."""
    return csv_bytes(UNIT_HEADER, (
        (Text(r.unit.id), r.unit.name, r.unit.kind, r.figures.branches, r.figures.paired, percent(r.rate, 2),
         r.figures.activities,
         r.figures.participants, r.figures.total_value, r.figures.last_activity, r.member_pairs,
         r.household_pairs, r.lagging)
        for r in rows
    ))


LAGGING_HEADER = ("单位", "支部编号", "支部名称", "原因", "对接日期", "最近活动", "距最近活动天数", "支部书记",
                  "联系电话")


def lagging_csv(groups: Sequence[LaggingGroup]) -> bytes:
    """Return the lagging list as CSV, grouped by unit as on the page."""
    return csv_file(LAGGING_HEADER, [lagging_csv_lines(groups)])


def lagging_csv_lines(groups: Sequence[LaggingGroup]) -> str:
    """Return the entries of some 约谈 groups as CSV lines (`csv_lines`), without the header."""
    return csv_lines(
        (g.unit.name, Text(e.row.branch.id), e.row.branch.name, e.reason_zh, e.row.paired_on, e.row.last_activity,
         e.days_since, e.row.branch.secretary, _phone(e.row.branch.phone))
        for g in groups for e in g.rows
    )
