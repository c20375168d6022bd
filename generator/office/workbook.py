"""The fill-in workbook's layout, shared by `template`, `import` and `export`: sheets, columns, cell values."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from generator.errors import UsageError
from generator.model.validate import CHECK_RESULTS, METHODS, NEEDS, plain
from generator.office.ooxml import NOT_XML, fixed_zip, xml_safe


@dataclass(frozen=True)
class Column:
    """One column: the YAML field it fills, its Chinese header, how its cells read, its note."""

    key: str
    header: str
    type: str  # id, text, ref, refs, count, amount, date, choices, lines, yaml
    note: str
    required: bool = False
    internal: bool = False
    options: str = ""  # name of an option list on the 选项 sheet (a dropdown)
    strict: bool = False  # the dropdown refuses other values
    width: int = 0  # room for what units type in, beyond the header (in Latin characters)


@dataclass(frozen=True)
class SheetLayout:
    """One sheet: the record kind it holds, or the activity/inspection its rows belong to (`parent`)."""

    title: str
    kind: str  # units, branches, villages, activities, inspections, or a list field of a parent record
    columns: tuple[Column, ...]
    parent: str = ""  # the record kind the rows are attached to (activities, inspections)
    for_units: bool = True  # part of the fill-in template sent to units


EXTRA = Column("extra", "附加信息（公开）", "yaml", "自定义的公开内容，写成“名称: 内容”，一行一项；一般不用填")
INTERNAL = Column("internal", "内部信息（不公开）", "yaml",
                  "自定义的内部内容（只在内部看板使用，绝不公开），写成“名称: 内容”，一行一项；一般不用填", internal=True)
ID_NOTE = "编号只能用小写英文字母、数字和连字符“-”，最长 64 个字符，例如 lzy-b01；同一编号再次导入会更新原记录"
LIST_NOTE = "可填多个，用顿号“、”隔开"

SHEETS: tuple[SheetLayout, ...] = (
    SheetLayout("单位", "units", (
        Column("id", "单位编号", "id", ID_NOTE, required=True),
        Column("name", "单位名称", "text", "单位全称", required=True, width=26),
        Column("short_name", "简称", "text", "不填则用全称"),
        Column("kind", "类别", "text", "例如 机关、医院、高校", required=True, options="unit_kinds"),
        EXTRA, INTERNAL,
        Column("order", "排序", "count", "官方排列顺序，整数，小的在前；不填的排在最后"),
    )),
    SheetLayout("支部", "branches", (
        Column("id", "支部编号", "id", ID_NOTE, required=True),
        Column("name", "支部名称", "text", "例如 内科党支部", required=True, width=26),
        Column("unit", "所属单位", "ref", "单位编号，可从下拉列表选", required=True, options="units"),
        Column("members", "党员人数（人）", "count", "整数", required=True),
        Column("village", "共建村", "ref", "结对的共建村编号，可从下拉列表选；与对接日期一起填", options="villages"),
        Column("paired_on", "对接日期", "date", "完成对接的日期，例如 2017-10-23；与共建村一起填"),
        Column("secretary", "支部书记", "text", "内部信息，不公开", internal=True),
        Column("phone", "联系电话", "text", "内部信息，不公开", internal=True),
        Column("member_pairs", "党员结对数（对）", "count", "党员与村党员“1+1”结对数，整数"),
        Column("household_pairs", "重点户结对数（户）", "count", "党员与重点户结对数，整数"),
        EXTRA, INTERNAL,
    )),
    SheetLayout("共建村", "villages", (
        Column("id", "村编号", "id", ID_NOTE, required=True),
        Column("name", "村名", "text", "例如 王辉村", required=True),
        Column("town", "乡镇（街道）", "text", "例如 北城街道办事处", required=True, width=20),
        Column("county", "县（市、区）", "text", "例如 东昌府区", required=True),
        Column("needs", "村情类别", "choices", f"内部信息。{LIST_NOTE}：{'、'.join(NEEDS)}", internal=True,
               options="needs"),
        Column("problems", "急需解决的问题", "lines", "内部信息。每个问题一行（单元格内换行：Alt+回车）", internal=True, width=30),
        EXTRA, INTERNAL,
    )),
    SheetLayout("活动", "activities", (
        Column("id", "活动编号", "id", f"{ID_NOTE}。可以留空：导入时自动生成“单位编号-日期-序号”，例如 czj-20240305-1",
               width=18),
        Column("date", "日期", "date", "活动日期，例如 2017-10-23", required=True),
        Column("title", "活动名称", "text", "例如 “送温暖”主题党日", required=True, width=30),
        Column("kind", "活动类别", "text", "可从下拉列表选，也可自填", required=True, options="activity_kinds"),
        Column("theme", "主题", "text", "例如 献爱心、送温暖；按主题汇总", options="themes"),
        Column("branches", "参与支部", "refs", f"支部编号，至少一个；{LIST_NOTE}", required=True, options="branches", width=22),
        Column("villages", "共建村", "refs", f"村编号；{LIST_NOTE}", options="villages"),
        Column("participants", "党员参与人次（人次）", "count", "整数", required=True),
        Column("funds", "投入资金（元）", "amount", "现金投入，单位元，例如 1200 或 1200.5；不含捐赠物资"),
        Column("summary", "活动简介", "text", "一段话，会公开发布", width=44),
        Column("photos", "照片", "lines", "content/assets/ 下的照片路径，每张一行，例如 photos/2017-10-23.jpg", width=26),
        EXTRA, INTERNAL,
    )),
    SheetLayout("捐赠", "donations", (
        Column("activity", "活动编号", "ref", "这笔捐赠属于“活动”表里的哪次活动", required=True, options="activities"),
        Column("item", "物品", "text", "例如 棉被", required=True),
        Column("quantity", "数量", "amount", "例如 206", required=True),
        Column("unit", "计量单位", "text", "例如 套、台、袋", required=True),
        Column("value", "折合金额（元）", "amount", "物资折合的金额，单位元；不知道可不填"),
        EXTRA, INTERNAL,
    ), parent="activities"),
    SheetLayout("受益人", "beneficiaries", (
        Column("activity", "活动编号", "ref", "受帮扶的人属于“活动”表里的哪次活动", required=True, options="activities"),
        Column("name", "姓名", "text", "内部信息，绝不公开", required=True, internal=True),
        Column("note", "说明", "text", "内部信息，例如 困难党员", internal=True),
        EXTRA, INTERNAL,
    ), parent="activities"),
    SheetLayout("督导", "inspections", (
        Column("id", "督导编号", "id", ID_NOTE, required=True, internal=True),
        Column("date", "日期", "date", "督导日期", required=True, internal=True),
        Column("group", "督导组", "text", "例如 1 或 第一督导组", required=True, internal=True),
        Column("villages", "督导的村", "refs", f"村编号，至少一个；{LIST_NOTE}", required=True, internal=True,
               options="villages"),
        Column("branches", "涉及支部", "refs", f"支部编号；{LIST_NOTE}", internal=True, options="branches"),
        Column("methods", "督导方式", "choices", f"{LIST_NOTE}：{'、'.join(METHODS)}", internal=True, options="methods"),
        Column("findings", "发现的问题", "text", "内部信息", internal=True, width=30),
        Column("follow_up", "后续措施", "text", "例如 约谈", internal=True, width=20),
        EXTRA, INTERNAL,
    ), for_units=False),
    SheetLayout("督导检查", "checks", (
        Column("inspection", "督导编号", "ref", "属于“督导”表里的哪次督导", required=True, internal=True,
               options="inspections"),
        Column("item", "检查项目", "text", "例如 摸清村居情况", required=True, internal=True, width=20),
        Column("result", "结果", "text", "、".join(CHECK_RESULTS), required=True, internal=True,
               options="results", strict=True),
    ), parent="inspections", for_units=False),
)
BY_TITLE = {s.title: s for s in SHEETS}
RECORD_SHEETS = tuple(s for s in SHEETS if not s.parent)
OPTIONS_SHEET = "选项"
GUIDE_SHEET = "填表说明"
ACTIVITY_KINDS = ("主题党日", "送健康下乡", "科技培训", "美丽乡村", "济贫帮困", "文化下乡", "思想教育", "生产劳动")
UNIT_KINDS = ("机关", "医院", "高校", "企业", "事业单位")


def norm_header(text: Any) -> str:
    """Return a header as compared: full-width brackets, no spaces (Excel and WPS users type either)."""
    return re.sub(r"\s+", "", str(text or "")).replace("(", "\uff08").replace(")", "\uff09")


# --- cells → YAML values (import) --------------------------------------------------------------------------------

_SPLIT = re.compile(r"[、,，;；\n]+")  # the sheet asks for 顿号; commas and semicolons of either width mean the same
_REF_LABEL = re.compile(r"^([a-z0-9][a-z0-9-]*)(?:[\s((].*)?$", re.S)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_NUMBER_TEXT = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _ref(value: str) -> str:
    # Dropdowns show “编号 名称”; the id is what is recorded.
    match = _REF_LABEL.match(value)
    return match.group(1) if match else value


_HEADER_UNIT = re.compile(r"（([^（）]+)）$")


def header_units(header: str) -> tuple[str, ...]:
    """Return the units a number may repeat from its header: “（人次）” → 人次, 人; “（元）” → 元."""
    match = _HEADER_UNIT.search(header)
    if match is None:
        return ()
    unit = match.group(1)
    return (unit, unit[0]) if len(unit) > 1 else (unit,)


def _number(value: Any, units: Sequence[str] = ()) -> Any:
    """Return a cell as a number when it is one (also “numbers stored as text”, or followed by the header's unit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return _text(value)
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else value
    typed = text = _text(value)
    for unit in units:  # longest first: “10人次” in a （人次） column
        if text.endswith(unit) and text[: -len(unit)].strip():
            text = text[: -len(unit)].strip()
            break
    if _GROUPED_NUMBER.match(text):
        text = text.replace(",", "")
    if not _NUMBER_TEXT.match(text):
        return typed  # as typed, so the message quotes it whole (“2万元”)
    number = float(text)
    return int(number) if number.is_integer() else number


SERIAL_DAYS = (32874, 73051)  # Excel day numbers of 1990-01-01 and 2100-01-01: a date cell that lost its format


def _date(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and SERIAL_DAYS[0] <= value < SERIAL_DAYS[1]:
        value = from_excel(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else _text(value)
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    match = _DATE_TEXT.match(text)
    if match:
        year, month, day = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def cell_value(column: Column, value: Any) -> Any:
    """Return what a filled cell means for its YAML field (the validator judges it, as for YAML)."""
    if column.type in ("count", "amount"):
        return _number(value, header_units(column.header))
    if column.type == "date":
        return _date(value)
    text = _text(value)
    if column.type == "ref":
        return _ref(text)
    if column.type == "refs":
        return [_ref(p.strip()) for p in _SPLIT.split(text) if p.strip()]
    if column.type == "choices":
        return [p.strip() for p in _SPLIT.split(text) if p.strip()]
    if column.type == "lines":
        return [p.strip() for p in text.split("\n") if p.strip()]
    return text


# --- YAML values → cells (template, export) ----------------------------------------------------------------------


def dump_yaml(value: Any) -> str:
    """Return free-form data as block YAML text, for a cell or a file."""
    return yaml.safe_dump(plain(value), allow_unicode=True, sort_keys=False, default_flow_style=False,
                          width=1000).rstrip("\n")


def to_cell(column: Column, value: Any) -> Any:
    """Return the cell for one YAML field value."""
    if value is None or value == [] or value == {}:
        return None
    if column.type == "date":
        return date.fromisoformat(str(value))
    if column.type in ("count", "amount"):
        return value
    if column.type in ("refs", "choices"):
        return "、".join(str(v) for v in value)
    if column.type == "lines":
        return "\n".join(str(v) for v in value)
    if column.type == "yaml":
        return dump_yaml(value)
    return str(value)


# --- writing a workbook -------------------------------------------------------------------------------------------

HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
INTERNAL_FILL = PatternFill("solid", fgColor="FCE4D6")
DATE_FORMAT = "yyyy-mm-dd"
FIXED_TIME = datetime(2000, 1, 1)


def display_width(text: str) -> int:
    """Return how many Latin characters wide `text` is (a Chinese character is two)."""
    if text.isascii():  # ids, numbers, dates: most cells of a ledger
        return len(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def cell_width(value: Any) -> int:
    """Return how wide a cell's longest line is, in Latin characters (dates as yyyy-mm-dd)."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return max(display_width(line) for line in text.split("\n"))


def fit_widths(ws: Any, rows: Iterable[Iterable[Any]] | None = None, minimum: int = 8, maximum: int = 48) -> None:
    """Set each column's width from its longest line, within limits.

    `rows` (values) are measured instead of the sheet's cells: a write-only sheet takes its column
    widths before its rows and keeps no cells to read back.
    """
    values = rows if rows is not None else ([cell.value for cell in row] for row in ws.iter_rows())
    for column, width in column_widths(values, minimum, maximum).items():
        ws.column_dimensions[get_column_letter(column)].width = width


def column_widths(rows: Iterable[Iterable[Any]], minimum: int = 8, maximum: int = 48) -> dict[int, int]:
    """Return each column's width (1-based) from its longest line, within limits."""
    widths: dict[int, int] = {}
    for row in rows:
        for column, value in enumerate(row, start=1):
            if value is not None:
                widths[column] = max(widths.get(column, 0), cell_width(value))
    return {column: max(minimum, min(maximum, width + 2)) for column, width in widths.items()}


def print_wide(ws: Any) -> None:  # a Worksheet or a WriteOnlyWorksheet (which proxies these)
    """Print landscape, all columns on one page width (staff print these tables)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToHeight = 0
    setup = ws.sheet_properties.pageSetUpPr
    if setup is not None:
        setup.fitToPage = True


def write_text(ws: Worksheet, row: int, column: int, value: Any, clean: bool = False) -> None:
    """Write a cell; text is always text (a leading = is never run as a formula).

    Control characters cannot be stored: dropped when `clean` (ledgers are copies), else refused, since an
    exported workbook must give back exactly what content/ holds.
    """
    if isinstance(value, str) and NOT_XML.search(value):
        if not clean:
            where = f"{ws.title}!{get_column_letter(column)}{row}"
            raise UsageError(f"{where}: 内容里有表格无法保存的控制字符（{value[:20]!r}）；请先在 content/ 里删掉它")
        value = xml_safe(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT


@dataclass(frozen=True)
class Options:
    """The dropdown lists of a workbook: option name → choices (shown as “编号 名称” for references)."""

    lists: Mapping[str, Sequence[str]]


def label(rid: str, name: str) -> str:
    """Return a dropdown entry “编号 名称”, without the separators a list cell splits on."""
    return f"{rid} {_SPLIT.sub(' ', xml_safe(name))}"


def _add_options(wb: Workbook, options: Options) -> dict[str, str]:
    """Write the hidden 选项 sheet; return each list's cell range for data validation."""
    ws = wb.create_sheet(OPTIONS_SHEET)
    ranges = {}
    for index, (name, values) in enumerate(sorted(options.lists.items()), start=1):
        if not values:
            continue
        letter = get_column_letter(index)
        write_text(ws, 1, index, name)
        for row, value in enumerate(values, start=2):
            write_text(ws, row, index, value)
        ranges[name] = f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _header(ws: Worksheet, layout: SheetLayout) -> None:
    for index, column in enumerate(layout.columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = INTERNAL_FILL if column.internal else HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        need = "必填" if column.required else "选填"
        secret = "。内部信息，不会公开" if column.internal and "内部" not in column.note else ""
        comment = Comment(f"{need}。{column.note}{secret}", "gongjian")
        comment.width, comment.height = 240, 110
        cell.comment = comment
    ws.freeze_panes = "A2"


def _format_columns(ws: Worksheet, layout: SheetLayout, rows: int, ranges: Mapping[str, str]) -> None:
    last = max(rows, 1) + 200  # room for the rows units add
    for index, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}2:{letter}{last}"
        if column.options and column.options in ranges:
            dv = DataValidation(type="list", formula1=ranges[column.options], allow_blank=True,
                                showErrorMessage=column.strict)
            if column.strict:
                dv.error = f"请从下拉列表选择：{column.note}"
            ws.add_data_validation(dv)
            dv.add(area)
        # A column style, not 200 formatted empty cells: new rows typed in Excel or WPS take it, and the
        # sheet does not seem to end at row 200 (rows appended by a program would land after it).
        dimension = ws.column_dimensions[letter]
        if column.type == "date":
            dimension.number_format = DATE_FORMAT
        elif column.type not in ("count", "amount"):
            dimension.number_format = "@"  # ids and phone numbers stay text (no 0635… → 635…)
        if column.type in ("lines", "yaml"):
            dimension.alignment = Alignment(wrap_text=True, vertical="top")


def write_workbook(sheets: Iterable[tuple[SheetLayout, Sequence[Mapping[str, Any]]]], options: Options,
                   guide: Sequence[str], hide_free: bool) -> bytes:
    """Return an .xlsx of the given sheets and rows (field → YAML value), with dropdowns and notes."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = GUIDE_SHEET
    for row, line in enumerate(guide, start=1):
        write_text(first, row, 1, line)
        first.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        first.row_dimensions[row].height = 20 * (1 + display_width(line) // 88)  # programs do not grow rows
    first.column_dimensions["A"].width = 90
    print_wide(first)
    first["A1"].font = Font(bold=True, size=14)
    ranges = _add_options(wb, options)
    for layout, records in sheets:
        ws = wb.create_sheet(layout.title)
        _header(ws, layout)
        for row, record in enumerate(records, start=2):
            for index, column in enumerate(layout.columns, start=1):
                write_text(ws, row, index, to_cell(column, record.get(column.key)))
                if column.type in ("lines", "yaml"):
                    ws.cell(row=row, column=index).alignment = Alignment(wrap_text=True, vertical="top")
        _format_columns(ws, layout, len(records) + 1, ranges)
        fit_widths(ws, minimum=10)
        for index, column in enumerate(layout.columns, start=1):
            dimension = ws.column_dimensions[get_column_letter(index)]
            dimension.width = max(dimension.width or 0, column.width or (12 if column.type == "date" else 0))
        print_wide(ws)
        for index, column in enumerate(layout.columns, start=1):
            if hide_free and column.type == "yaml":
                ws.column_dimensions[get_column_letter(index)].hidden = True
    options_sheet = wb[OPTIONS_SHEET]
    wb.move_sheet(options_sheet, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(OPTIONS_SHEET))
    wb.properties.creator = "gongjian"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    out = io.BytesIO()
    wb.save(out)
    return fixed_zip(out.getvalue())
