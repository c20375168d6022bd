"""The ledgers (台账) as one .xlsx beside the CSVs: a sheet per ledger, numbers as numbers, a totals row."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

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
from generator.office.workbook import DATE_FORMAT, column_widths
from generator.render.numbers import count

MONEY = "#,##0.00"
WHOLE = "#,##0"
HEAD = {"bold": True, "pattern": 1, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter", "text_wrap": True}
TOTAL = {"bold": True, "pattern": 1, "bg_color": "#F2F2F2"}
# Columns that are text however they look: ids and phone numbers (0635… must keep its 0).
TEXT_HEADERS = {"支部编号", "单位编号", "活动编号", "联系电话"}
MONEY_HEADERS = {"投入资金（元）", "捐赠折合（元）", "合计（元）", "资金与捐赠折合（元）", "折合金额（元）"}
A4 = 9  # the paper size code of OOXML
# XlsxWriter takes a width as Excel shows it and stores it with the cell padding (5 pixels of a 7-pixel
# digit) added; the ledger's widths are stored widths, as openpyxl wrote them.
_PADDING = 5 / 7


class _Formats:
    """One XlsxWriter format per (number format, header/total/plain), made when first used."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.made: dict[tuple[str | None, str], Format | None] = {}

    def get(self, number: str | None, kind: str) -> Format | None:
        key = (number, kind)
        if key not in self.made:
            props: dict[str, Any] = dict(HEAD if kind == "head" else TOTAL if kind == "total" else {})
            if number is not None:
                props["num_format"] = number
            self.made[key] = self.wb.add_format(props) if props else None
        return self.made[key]


def _number_format(value: Cell, name: str) -> str | None:
    if name in TEXT_HEADERS:
        return "@"
    if name in MONEY_HEADERS:
        return MONEY
    if name == "对接率":
        return "0.00%"
    if isinstance(value, (int, float)):
        return WHOLE
    if isinstance(value, date):
        return DATE_FORMAT
    return None


def _sheet(wb: Workbook, formats: _Formats, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]],
           total: Sequence[Cell], pause: Callable[[], None]) -> None:
    """Add one ledger sheet: header, rows, a totals row; formats by column.

    Rows are written as they come (XlsxWriter keeps no cell objects): at 18,000 branches a
    workbook that kept every cell spent most of its time and memory on them.
    """
    ws = wb.add_worksheet(title)
    header = [h.replace("(", "（").replace(")", "）") for h in header]

    def clean(value: Cell, name: str) -> Cell:
        if name in TEXT_HEADERS and value is not None:
            value = str(value)
        if isinstance(value, str) and not value.isprintable() and NOT_XML.search(value):
            value = xml_safe(value)  # ledgers are copies: drop what an Office file cannot store
        return value

    body: list[list[Cell]] = [[clean(value, header[col]) for col, value in enumerate(row)] for row in [*rows, total]]
    for column, width in column_widths([header, *body]).items():
        ws.set_column(column - 1, column - 1, width - _PADDING)
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    ws.set_landscape()  # staff print these tables: landscape, all columns on one page width
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    head = formats.get(None, "head")
    for col, name in enumerate(header):
        ws.write_string(0, col, name, head)
    for number, row in enumerate(body, start=1):
        if number % 1000 == 0:
            pause()
        kind = "total" if number == len(body) else "plain"
        for col, value in enumerate(row):
            style = formats.get(_number_format(value, header[col]), kind)
            if value is None:  # an empty cell keeps its column's format (a phone typed in later stays text)
                if style is not None:
                    ws.write_blank(number, col, None, style)
            elif isinstance(value, str):  # text is always text: a leading = is never run as a formula
                ws.write_string(number, col, value, style)
            elif isinstance(value, bool):
                ws.write_boolean(number, col, value, style)
            elif isinstance(value, (int, float)):
                ws.write_number(number, col, value, style)
            elif isinstance(value, (date, datetime)):  # written as a date, shown yyyy-mm-dd
                ws.write_datetime(number, col, value, style)
            else:
                ws.write_string(number, col, str(value), style)


def _sum(values: Sequence[int | float | None]) -> int | float:
    return sum(v or 0 for v in values)


def ledger_workbook(site: Site, progress: Progress, branches: Sequence[BranchRow], units: Sequence[UnitRow],
                    lagging: Sequence[LaggingGroup], dash: Dashboard, pause: Callable[[], None] = lambda: None) -> bytes:
    """Return the workbook of the five ledgers; the same input gives the same bytes.

    `pause` is called every thousand rows: the preview makes this file in the background and waits there while it rebuilds.
    """
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    formats = _Formats(wb)
    branch_rows = [
        (r.unit.name, r.branch.id, r.branch.name, r.branch.members,
         r.village.name if r.village else None, r.village.town if r.village else None,
         r.village.county if r.village else None, r.paired_on, r.activities, r.participants, r.funds,
         r.donation_value, r.total_value, r.last_activity, r.branch.member_pairs, r.branch.household_pairs,
         r.branch.secretary, r.branch.phone, REASONS.get(r.lagging or ""))
        for r in branches
    ]
    _sheet(wb, formats, "支部台账", BRANCH_HEADER, branch_rows, (
        f"合计 {count(len(branches))} 个支部", None, None, _sum([r.branch.members for r in branches]),
        f"已对接 {count(progress.branches.paired)} 个", None, None, None, None, None, None, None, None, None,
        _sum([r.branch.member_pairs for r in branches]), _sum([r.branch.household_pairs for r in branches]),
        None, None, f"{count(len(progress.lagging))} 个"), pause)
    unit_rows = [
        (r.unit.id, r.unit.name, r.unit.kind, r.figures.branches, r.figures.paired, r.rate, r.figures.activities,
         r.figures.participants, r.figures.total_value, r.figures.last_activity, r.member_pairs,
         r.household_pairs, r.lagging)
        for r in units
    ]
    _sheet(wb, formats, "单位台账", UNIT_HEADER, unit_rows, (
        "合计", f"{count(len(units))} 个单位", None, progress.branches.total, progress.branches.paired,
        ratio(progress.branches.paired, progress.branches.total), None, None, None, None,
        _sum([r.member_pairs for r in units]), _sum([r.household_pairs for r in units]), len(progress.lagging)), pause)
    lagging_rows = [
        (g.unit.name, e.row.branch.id, e.row.branch.name, e.reason_zh, e.row.paired_on, e.row.last_activity,
         e.days_since, e.row.branch.secretary, e.row.branch.phone)
        for g in lagging for e in g.rows
    ]
    _sheet(wb, formats, "约谈名单", LAGGING_HEADER, lagging_rows,
           (f"合计 {count(len(lagging_rows))} 个支部", *([None] * (len(LAGGING_HEADER) - 1))), pause)
    activities = sorted((r for s in dash.sections for r in s.rows), key=lambda r: (r.activity.date, r.activity.id))
    a = progress.activities
    _sheet(wb, formats, "活动", ACTIVITY_HEADER, [
        (r.activity.date, r.activity.id, r.activity.title, r.activity.kind, r.activity.theme,
         "、".join(u.name for u in r.units), "、".join(b.name for b in r.branches),
         "、".join(v.name for v in r.villages), r.activity.participants, r.funds, r.donation_value, r.total_value)
        for r in activities
    ], (f"合计 {count(a.count)} 次", None, None, None, None, f"{count(a.units)} 个单位", f"{count(a.branches)} 个支部", None,
        a.participants, a.funds, a.donation_value, a.total_value), pause)
    lines = sorted(dash.donation_lines, key=lambda d: (d.activity.activity.date, d.activity.activity.id))
    _sheet(wb, formats, "捐赠", DONATION_HEADER, [
        (d.activity.activity.date, d.activity.activity.id, d.activity.activity.title, d.donation.item,
         d.donation.quantity, d.donation.unit, d.donation.value)
        for d in lines
    ], (f"合计 {len(lines)} 笔", None, None, None, None, None, a.donation_value), pause)
    stamp = datetime(site.as_of.year, site.as_of.month, site.as_of.day)
    # XlsxWriter dates the file by the clock; dated by as_of instead, the same input gives the same bytes.
    wb.set_properties({"author": "gongjian", "title": f"{site.settings.campaign.name}台账", "created": stamp})
    wb.close()
    return fixed_zip(out.getvalue(), stamp)


ACTIVITY_HEADER = ("日期", "活动编号", "活动名称", "类别", "主题", "单位", "参与支部", "共建村", "党员参与人次",
                   "投入资金（元）", "捐赠折合（元）", "合计（元）")
DONATION_HEADER = ("日期", "活动编号", "活动名称", "物品", "数量", "计量单位", "折合金额（元）")
