"""The ledgers (台账) as one .xlsx beside the CSVs: a sheet per ledger, numbers as numbers, a totals row."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from generator.internal.dashboard import Dashboard
from generator.internal.ledger import (
    BRANCH_HEADER,
    LAGGING_HEADER,
    REASONS,
    UNIT_HEADER,
    BranchRow,
    Cell,
    LaggingGroup,
    UnitRow,
)
from generator.model.model import Site
from generator.model.progress import Progress, ratio
from generator.office.ooxml import NOT_XML, fixed_zip, xml_safe
from generator.office.workbook import DATE_FORMAT, HEAD_FILL, fit_widths, print_wide

MONEY = "#,##0.00"
WHOLE = "#,##0"
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)
HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Columns that are text however they look: ids and phone numbers (0635… must keep its 0).
TEXT_HEADERS = {"支部编号", "单位编号", "活动编号", "联系电话"}
MONEY_HEADERS = {"投入资金（元）", "捐赠折合（元）", "合计（元）", "资金与捐赠折合（元）", "折合金额（元）"}


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]],
           total: Sequence[Cell], pause: Callable[[], None]) -> None:
    """Add one ledger sheet: header, rows, a totals row; formats by column.

    The workbook is write-only (rows are streamed out as they are added): at 18,000 branches
    the ordinary workbook spent most of its time and memory keeping every cell.
    """
    ws = wb.create_sheet(title)
    header = [h.replace("(", "（").replace(")", "）") for h in header]

    def clean(value: Cell, name: str) -> Cell:
        if name in TEXT_HEADERS and value is not None:
            value = str(value)
        if isinstance(value, str) and not value.isprintable() and NOT_XML.search(value):
            value = xml_safe(value)  # ledgers are copies: drop what an Office file cannot store
        return value

    body: list[list[Cell]] = [[clean(value, header[col]) for col, value in enumerate(row)] for row in [*rows, total]]
    fit_widths(ws, [header, *body])  # first: a write-only sheet takes column settings only before its rows
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    print_wide(ws)

    def cell(value: Cell, name: str, last: bool) -> Any:
        if name in TEXT_HEADERS:
            form = "@"
        elif name in MONEY_HEADERS:
            form = MONEY
        elif name == "对接率":
            form = "0.00%"
        elif isinstance(value, (int, float)):
            form = WHOLE
        elif isinstance(value, date):
            form = DATE_FORMAT
        else:
            form = None
        if form is None and not last and (value is None or (isinstance(value, str) and not value.startswith("="))):
            return value  # plain text or an empty cell needs no cell object
        target = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]  # a date is written as a date
        if isinstance(value, str):
            target.data_type = "s"  # text is always text: a leading = is never run as a formula
        if form is not None:
            target.number_format = form
        if last:
            target.font = BOLD
            target.fill = TOTAL_FILL
        return target

    head = []
    for name in header:
        target = WriteOnlyCell(ws, value=name)
        target.data_type = "s"
        target.font = BOLD
        target.fill = HEAD_FILL
        target.alignment = HEAD_ALIGN
        head.append(target)
    ws.append(head)
    for number, row in enumerate(body, start=1):
        if number % 1000 == 0:
            pause()
        last = number == len(body)
        ws.append([cell(value, header[col], last) for col, value in enumerate(row)])


def _sum(values: Sequence[int | float | None]) -> int | float:
    return sum(v or 0 for v in values)


def ledger_workbook(site: Site, progress: Progress, branches: Sequence[BranchRow], units: Sequence[UnitRow],
                    lagging: Sequence[LaggingGroup], dash: Dashboard, pause: Callable[[], None] = lambda: None) -> bytes:
    """Return the workbook of the five ledgers; the same input gives the same bytes.

    `pause` is called every thousand rows: the preview makes this file in the background and waits there while it rebuilds.
    """
    wb = Workbook(write_only=True)
    branch_rows = [
        (r.unit.name, r.branch.id, r.branch.name, r.branch.members,
         r.village.name if r.village else None, r.village.town if r.village else None,
         r.village.county if r.village else None, r.paired_on, r.activities, r.participants, r.funds,
         r.donation_value, r.total_value, r.last_activity, r.branch.member_pairs, r.branch.household_pairs,
         r.branch.secretary, r.branch.phone, REASONS.get(r.lagging or ""))
        for r in branches
    ]
    _sheet(wb, "支部台账", BRANCH_HEADER, branch_rows, (
        f"合计 {len(branches)} 个支部", None, None, _sum([r.branch.members for r in branches]),
        f"已对接 {progress.branches.paired} 个", None, None, None, None, None, None, None, None, None,
        _sum([r.branch.member_pairs for r in branches]), _sum([r.branch.household_pairs for r in branches]),
        None, None, f"{len(progress.lagging)} 个"), pause)
    unit_rows = [
        (r.unit.id, r.unit.name, r.unit.kind, r.figures.branches, r.figures.paired, r.rate, r.figures.activities,
         r.figures.participants, r.figures.total_value, r.figures.last_activity, r.member_pairs,
         r.household_pairs, r.lagging)
        for r in units
    ]
    _sheet(wb, "单位台账", UNIT_HEADER, unit_rows, (
        "合计", f"{len(units)} 个单位", None, progress.branches.total, progress.branches.paired,
        ratio(progress.branches.paired, progress.branches.total), None, None, None, None,
        _sum([r.member_pairs for r in units]), _sum([r.household_pairs for r in units]), len(progress.lagging)), pause)
    lagging_rows = [
        (g.unit.name, e.row.branch.id, e.row.branch.name, e.reason_zh, e.row.paired_on, e.row.last_activity,
         e.days_since, e.row.branch.secretary, e.row.branch.phone)
        for g in lagging for e in g.rows
    ]
    _sheet(wb, "约谈名单", LAGGING_HEADER, lagging_rows,
           (f"合计 {len(lagging_rows)} 个支部", *([None] * (len(LAGGING_HEADER) - 1))), pause)
    activities = sorted((r for s in dash.sections for r in s.rows), key=lambda r: (r.activity.date, r.activity.id))
    a = progress.activities
    _sheet(wb, "活动", ACTIVITY_HEADER, [
        (r.activity.date, r.activity.id, r.activity.title, r.activity.kind, r.activity.theme,
         "、".join(u.name for u in r.units), "、".join(b.name for b in r.branches),
         "、".join(v.name for v in r.villages), r.activity.participants, r.funds, r.donation_value, r.total_value)
        for r in activities
    ], (f"合计 {a.count} 次", None, None, None, None, f"{a.units} 个单位", f"{a.branches} 个支部", None,
        a.participants, a.funds, a.donation_value, a.total_value), pause)
    lines = sorted(dash.donation_lines, key=lambda d: (d.activity.activity.date, d.activity.activity.id))
    _sheet(wb, "捐赠", DONATION_HEADER, [
        (d.activity.activity.date, d.activity.activity.id, d.activity.activity.title, d.donation.item,
         d.donation.quantity, d.donation.unit, d.donation.value)
        for d in lines
    ], (f"合计 {len(lines)} 笔", None, None, None, None, None, a.donation_value), pause)
    stamp = datetime(site.as_of.year, site.as_of.month, site.as_of.day)
    wb.properties.creator = "gongjian"
    wb.properties.title = f"{site.settings.campaign.name}台账"
    wb.properties.created = wb.properties.modified = stamp
    out = io.BytesIO()
    wb.save(out)
    return fixed_zip(out.getvalue(), stamp)


ACTIVITY_HEADER = ("日期", "活动编号", "活动名称", "类别", "主题", "单位", "参与支部", "共建村", "党员参与人次",
                   "投入资金（元）", "捐赠折合（元）", "合计（元）")
DONATION_HEADER = ("日期", "活动编号", "活动名称", "物品", "数量", "计量单位", "折合金额（元）")
