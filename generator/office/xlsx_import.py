"""Read filled-in workbooks into raw records, check them with the YAML rules, and locate problems by cell."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as replace_fields
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from generator.content.load import LineList, LineMap, RawContent, RawRecord, load_content, parse_yaml
from generator.content.reader import RECORD_TYPES
from generator.errors import ContentError, ImportProblems, Problem
from generator.model.model import Site
from generator.model.validate import validate_content
from generator.office.owners import WHAT, Clash, clashes, describe_old, generate_activity_ids
from generator.office.records_write import WritePlan, plan_records, write_files
from generator.office.workbook import (
    BY_TITLE,
    GUIDE_SHEET,
    OPTIONS_SHEET,
    SHEETS,
    Column,
    SheetLayout,
    cell_value,
    header_units,
    norm_header,
)

STEP = 1000  # a cell is a "line number" k·STEP; lines of YAML inside a cell are k·STEP + n


@dataclass(frozen=True)
class Place:
    """A cell of a workbook (or a whole row, when `column` is empty) and the column's header."""

    order: tuple[int, int, int, int]
    file: str
    sheet: str
    ref: str
    layout: SheetLayout
    column: Column | None

    def __str__(self) -> str:
        return f"{self.file} {self.sheet}!{self.ref}"


class Locator:
    """Hand out line numbers that stand for cells, and turn them back into sheet and cell."""

    def __init__(self) -> None:
        self.places: dict[int, Place] = {}

    def token(self, place: Place) -> int:
        """Return a new line number for `place`."""
        number = (len(self.places) + 1) * STEP
        self.places[number // STEP] = place
        return number

    def find(self, line: int) -> Place | None:
        """Return the place a line number stands for."""
        return self.places.get(line // STEP)


@dataclass
class Sheets:
    """What the workbooks hold: raw records per kind, and problems that no field rule could see."""

    locator: Locator = field(default_factory=Locator)
    records: dict[str, list[RawRecord]] = field(default_factory=lambda: {k: [] for k in RECORD_TYPES})
    problems: list[tuple[Place | None, str, str]] = field(default_factory=list)  # place, field, message
    missing: set[tuple[str, str, str]] = field(default_factory=set)  # (file, sheet, key) of absent required columns
    present: dict[tuple[int, str], set[str]] = field(default_factory=dict)  # (row token, kind) → columns given
    parse_problems: list[Problem] = field(default_factory=list)
    loose: list[tuple[Place, str]] = field(default_factory=list)  # cells read more freely than typed: a note each
    files: set[str] = field(default_factory=set)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


MAX_ROWS = 1_048_576  # Excel's limit; openpyxl cannot even address a row below it
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # old .xls and password-protected .xlsx are OLE files
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\$?(\d+)(?::\$?[A-Z]*\$?(\d+))?\"")
_SAVE_AS = "请在 Excel 或 WPS 里打开它，用“另存为”选择“Excel 工作簿(*.xlsx)”后再导入"
PROLOG = 65536  # how much of each XML part is looked at before openpyxl reads it


def _precheck(path: Path) -> str | None:
    """Return what makes `path` unreadable as a workbook, before openpyxl parses any of it; None if nothing."""
    with open(path, "rb") as f:
        head = f.read(8)
        if head == OLE_MAGIC:
            f.seek(0)
            if "EncryptionInfo".encode("utf-16-le") in f.read():
                return ("这个表格设了打开密码（已加密），无法读取；请在 Excel 或 WPS 里打开它，取消密码"
                        "（Excel：文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码），保存后再导入")
            return f"这是旧版 .xls 格式的表格，不能直接导入；{_SAVE_AS}"
    if not zipfile.is_zipfile(path):
        return f"这个文件不是 .xlsx 格式的表格；{_SAVE_AS}"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            return f"这是一个压缩文件，但不是 Excel 表格（里面没有工作簿）；{_SAVE_AS}"
        for name in sorted(names):
            if not name.endswith((".xml", ".rels")):
                continue
            with archive.open(name) as part:
                prolog = part.read(PROLOG)
            # Excel and WPS never write a DTD; one inside a workbook is there to expand entities
            # (“billion laughs”), so it is refused before any parser sees it.
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                return ("表格文件里有 XML 实体定义（DOCTYPE），正常的表格不会有；"
                        f"这可能是恶意构造的文件，出于安全考虑不读取（{name}）；请向发来表格的人核实")
            if name.startswith("xl/worksheets/"):
                match = _DIMENSION.search(prolog)
                if match and max(int(n) for n in match.groups() if n) > MAX_ROWS:
                    return (f"表格里有一张工作表声明的行数超过了 Excel 的上限 {MAX_ROWS:,} 行（{name}）；"
                            "这不是正常保存的表格，请检查后重新保存")
    return None


def _open(path: Path, display: str, out: Sheets) -> Any:
    if not path.is_file():
        out.problems.append((None, "", f"{display}: 找不到这个文件"))
        return None
    try:
        why = _precheck(path)
        if why is None:
            wb = load_workbook(path, data_only=True)  # a formula counts by the value Excel or WPS saved for it
            for ws in wb.worksheets:
                if ws.max_row > MAX_ROWS:
                    why = f"工作表“{ws.title}”超过了 Excel 的上限 {MAX_ROWS:,} 行（到第 {ws.max_row:,} 行）；请检查后重新保存"
                    break
            else:
                return wb
    except OSError as error:
        why = f"这个文件打不开（{error.strerror or error}）"
    except SyntaxError:  # xml.etree's ParseError: broken XML, or entities over expat's amplification limit
        why = f"表格文件已损坏（里面的 XML 不完整或格式错误），无法读取；{_SAVE_AS}"
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, AttributeError):
        why = f"表格文件已损坏或不是 Excel 保存的表格，无法读取；{_SAVE_AS}"
    out.problems.append((None, "", f"{display}: {why}"))
    return None


def read_workbooks(paths: Sequence[Path]) -> Sheets:
    """Read every workbook into raw records whose line numbers stand for cells."""
    out = Sheets()
    for number, path in enumerate(paths):
        display = str(path)
        out.files.add(display)
        wb = _open(path, display, out)
        if wb is None:
            continue
        known = [s.title for s in SHEETS]
        titles = [BY_TITLE.get(ws.title.strip()) for ws in wb.worksheets]
        children_here = {t.kind for t in titles if t is not None and t.parent}
        parents: dict[str, dict[str, LineMap]] = {"activities": {}, "inspections": {}}
        later: list[tuple[Worksheet, SheetLayout, int]] = []
        for index, (ws, layout) in enumerate(zip(wb.worksheets, titles, strict=True)):
            if layout is None:
                if ws.title not in (OPTIONS_SHEET, GUIDE_SHEET) and _has_data(ws):
                    out.problems.append((None, "", f"{display} {ws.title}: 不认识这个工作表，它不能导入；"
                                                   f"能导入的工作表：{'、'.join(known)}"))
                continue
            if layout.parent:
                later.append((ws, layout, index))  # after the records they belong to
            else:
                _read_sheet(ws, layout, (number, index), display, out, parents, children_here)
        for ws, layout, index in later:
            _read_sheet(ws, layout, (number, index), display, out, parents, children_here)
    return out


def _has_data(ws: Worksheet) -> bool:
    return any(not _empty(value) for row in ws.iter_rows(values_only=True) for value in row)


def _columns(ws: Worksheet, layout: SheetLayout, order: tuple[int, int], display: str,
             out: Sheets) -> dict[int, Column] | None:
    """Map column numbers to the layout by header text; None when the header cannot be read."""
    header_merged = False
    for merged in ws.merged_cells.ranges:
        place = Place((*order, merged.min_row, merged.min_col), display, ws.title, str(merged), layout, None)
        if merged.min_row == 1:
            header_merged = True
            out.problems.append((place, "", "表头有合并单元格，无法对应到字段；请取消合并，每列只写一个表头"
                                            "（或用 gongjian template 重新生成表格）"))
        else:
            out.problems.append((place, "", "这里是合并单元格，无法判断属于哪一行；请取消合并，在每一行都填上内容"))
    by_header = {norm_header(c.header): c for c in layout.columns}
    for c in layout.columns:  # “党员人数” for “党员人数（人）”: the unit in brackets may be left out
        by_header.setdefault(re.sub(r"（[^（）]*）$", "", norm_header(c.header)), c)
    columns: dict[int, Column] = {}
    for cell in ws[1]:
        if _empty(cell.value):
            continue
        col = int(cell.column)  # type: ignore[arg-type]
        place = Place((*order, 1, col), display, ws.title, f"{get_column_letter(col)}1", layout, None)
        column = by_header.get(norm_header(cell.value))
        if column is None:
            names = "、".join(c.header for c in layout.columns)
            out.problems.append((place, "", f"不认识这一列“{cell.value}”；这张表的列是：{names}"))
        elif column in columns.values():
            out.problems.append((place, "", f"“{column.header}”这一列出现了两次；请删掉一列"))
        else:
            columns[col] = column
    for column in layout.columns:
        if column.required and column not in columns.values():
            place = Place((*order, 1, 0), display, ws.title, "1", layout, None)
            out.problems.append((place, "", f"缺少必填的一列“{column.header}”；请加上这一列（表头写在第 1 行）"))
            out.missing.add((display, ws.title, column.key))
    return None if header_merged else columns


def _read_sheet(ws: Worksheet, layout: SheetLayout, order: tuple[int, int], display: str, out: Sheets,
                parents: dict[str, dict[str, LineMap]], children: set[str]) -> None:
    columns = _columns(ws, layout, order, display, out)
    if columns is None:
        return
    loc = out.locator
    for row in ws.iter_rows(min_row=2):
        values = {int(c.column): c.value for c in row if int(c.column) in columns}  # type: ignore[arg-type]
        if all(_empty(v) for v in values.values()):
            continue  # blank lines between and after the records
        number = int(row[0].row)  # type: ignore[arg-type]
        data = LineMap()
        data.line = loc.token(Place((*order, number, 0), display, ws.title, f"A{number}", layout, None))
        data.key_lines = {}
        for col, column in columns.items():
            place = Place((*order, number, col), display, ws.title, f"{get_column_letter(col)}{number}", layout, column)
            token = loc.token(place)
            data.key_lines[column.key] = token
            data[column.key] = None if _empty(values.get(col)) else _value(column, values[col], token, display, out)
            _note_loose(column, values.get(col), data[column.key], place, out)
        out.present[(data.line, layout.kind)] = {c.key for c in columns.values()} | children
        if layout.parent:
            _attach(data, layout, out, parents, Place((*order, number, 0), display, ws.title, f"A{number}", layout, None))
        else:
            out.records[layout.kind].append(RawRecord(layout.kind, display, data.line, data))
            if layout.kind in parents and isinstance(data.get("id"), str):
                parents[layout.kind].setdefault(data["id"], data)


def _value(column: Column, raw: Any, token: int, display: str, out: Sheets) -> Any:
    """Return the YAML value of a filled cell, with line numbers that lead back to it."""
    if column.type == "yaml":
        text = raw if isinstance(raw, str) else str(raw)
        return parse_yaml(text, display, out.parse_problems, line_offset=token)
    value = cell_value(column, raw)
    if isinstance(value, list):
        items = LineList(value)
        items.line = token
        items.item_lines = [token] * len(value)
        return items
    return value


_OTHER_SEPARATOR = re.compile(r"[,，;；]")


def _note_loose(column: Column, raw: Any, value: Any, place: Place, out: Sheets) -> None:
    """Note a cell read more freely than it was typed: a unit after a number, a list split on commas."""
    if not isinstance(raw, str):
        return
    text = raw.strip()
    units = header_units(column.header)
    if column.type in ("count", "amount") and isinstance(value, (int, float)) and units and text.endswith(units):
        out.loose.append((place, f"“{text}”按 {value} 读入（单位与表头相同）"))
    elif column.type in ("refs", "choices") and isinstance(value, list) and _OTHER_SEPARATOR.search(text):
        out.loose.append((place, f"“{text}”按顿号“、”分隔读作 {len(value)} 项：{'、'.join(map(str, value))}"))


def _attach(data: LineMap, layout: SheetLayout, out: Sheets, parents: dict[str, dict[str, LineMap]],
            row: Place) -> None:
    """Add a 捐赠/受益人/督导检查 row to its activity or inspection in the same workbook."""
    key = "activity" if layout.parent == "activities" else "inspection"
    parent_id = data.pop(key, None)
    parent = parents[layout.parent].get(str(parent_id)) if parent_id is not None else None
    place = out.locator.find(data.key_lines.pop(key, data.line)) or row
    if parent is None:
        sheet = "活动" if layout.parent == "activities" else "督导"
        what = f"“{parent_id}”不在本表格的“{sheet}”工作表里" if parent_id is not None else "不能为空"
        out.problems.append((place, "", f"{what}；请填写同一表格“{sheet}”表里的编号"))
        return
    if layout.kind == "checks":
        checks = parent.get("checks")
        if checks is None:
            checks = LineMap()
            checks.line = data.line
            checks.key_lines = {}
            parent["checks"] = checks
            parent.key_lines["checks"] = data.line
        item, result = data.get("item"), data.get("result")
        item_place = out.locator.find(data.key_lines["item"]) if "item" in data.key_lines else row
        if item is None:
            out.problems.append((item_place, "", "不能为空，请填写检查项目"))
        elif item in checks:
            out.problems.append((item_place, "", f"同一次督导重复写了检查项目“{item}”；请删掉一行"))
        else:
            checks[str(item)] = result
            checks.key_lines[str(item)] = data.key_lines.get("result", data.line)
        return
    items = parent.get(layout.kind)
    if items is None:
        items = LineList()
        items.line = data.line
        items.item_lines = []
        parent[layout.kind] = items
        parent.key_lines[layout.kind] = data.line
    items.append(data)
    items.item_lines.append(data.line)


# --- problems back to cells ---------------------------------------------------------------------------------------

SHEET_OF = {s.kind: s.title for s in SHEETS if not s.parent}
_ITEM = re.compile(r"第(\d+)项")


def _field_name(place: Place, problem_field: str) -> str:
    """Return the header a problem is about, e.g. “投入资金（元）” or “参与支部 第2项”."""
    if place.column is not None and place.column.type != "yaml":
        item = _ITEM.search(problem_field)
        many = place.column.type in ("refs", "choices", "lines")
        return place.column.header + (f" {item.group(0)}" if item and many else "")
    if place.column is not None:
        return place.column.header
    key = problem_field.split(" ")[0].split(".")[0]
    for column in place.layout.columns:
        if column.key == key:
            return column.header
    return problem_field


_NO_YEAR = re.compile(r"日期应写成 YYYY-MM-DD.*这里是文字“(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?”$")
_NOT_AN_ID = re.compile(r"^“(.+)”(?:不是合格的编号：.*|)$")
_NOT_FOUND = re.compile(r"^找不到编号为“(.+)”的[^；]*；")
KIND_WORD = {"units": "单位", "branches": "支部", "villages": "村", "activities": "活动", "inspections": "督导"}


def _in_sheet_terms(message: str, place: Place, names: Mapping[str, Mapping[str, str]], year: int) -> str:
    """Return a validator message as the sheet would put it: dates without a year, names typed for ids."""
    match = _NO_YEAR.search(message)
    if match and place.column is not None and place.column.type == "date":
        month, day = (int(n) for n in match.groups())
        return f"缺少年份：“{match.group(1)}/{match.group(2)}”只写了月和日；请写上年份，例如 {year}-{month:02d}-{day:02d}"
    kind = place.column.options if place.column is not None else ""
    if kind in names:
        typed = _NOT_AN_ID.match(message) or _NOT_FOUND.match(message)
        rid = names[kind].get(typed.group(1)) if typed else None
        if typed and rid is not None:
            word = KIND_WORD[kind]
            return f"“{typed.group(1)}”是{word}名称，这里要填{word}编号；是不是 {rid}（{typed.group(1)}）？"
    return message


def locate(problems: Iterable[Problem], sheets: Sheets, names: Mapping[str, Mapping[str, str]] | None = None,
           year: int = 2017) -> list[str]:
    """Return every problem as a line, workbook cells named as `FILE 表!C12`, in sheet and cell order.

    `names` (kind → name → id) lets a name typed where an id belongs be matched; `year` dates the example
    given for a date without one.
    """
    located: list[tuple[tuple[int, ...], str]] = []
    others: list[Problem] = []

    def cell_name(match: re.Match[str]) -> str:
        place = sheets.locator.find(int(match.group(2)))
        return str(place) if place is not None else match.group(0)

    files = "|".join(re.escape(f) for f in sorted(sheets.files, key=len, reverse=True))
    mention = re.compile(rf"({files}):(\d+)") if files else None
    for problem in problems:
        place = sheets.locator.find(problem.line) if problem.path in sheets.files else None
        if place is None:
            others.append(problem)
            continue
        if problem.message.startswith("缺少必填字段") and (place.file, place.sheet, problem.field) in sheets.missing:
            continue  # already said once for the whole column
        message = mention.sub(cell_name, problem.message) if mention else problem.message
        for kind, title in SHEET_OF.items():  # the validator's hint names YAML files; here it is a sheet
            message = message.replace(f"请先在 {kind}.yaml 或 {kind}/ 里添加它", f"请先在“{title}”表里添加它")
        message = _in_sheet_terms(message, place, names or {}, year)
        name = _field_name(place, problem.field)
        located.append((place.order, f"{place}: {name}: {message}" if name else f"{place}: {message}"))
    for place, name, message in sheets.problems:
        if place is None:
            located.append(((-1,), message))
        else:
            located.append((place.order, f"{place}: {name}: {message}" if name else f"{place}: {message}"))
    located.sort(key=lambda item: item[0])
    return [line for _, line in located] + [str(p) for p in sorted(others)]


def _grouper(site: Site) -> Callable[[str, dict[str, Any]], str]:
    """Return which file of content/<kind>/ a new record goes to: one per unit where a record has one."""
    unit_of = {b.id: b.unit for b in site.branches}
    village_unit: dict[str, str] = {}
    for b in site.branches:
        if b.village is not None:
            village_unit.setdefault(b.village, b.unit)

    def group(kind: str, record: dict[str, Any]) -> str:
        rid = str(record.get("id"))
        if kind == "units":
            return rid
        if kind == "branches":
            return str(record.get("unit"))
        if kind == "activities":
            return next((unit_of[b] for b in record.get("branches", []) if b in unit_of), "imported")
        if kind == "villages":
            return village_unit.get(rid, "common")
        return str(record.get("date", "imported"))[:7]  # inspections: one file per month

    return group


def import_workbooks(paths: Sequence[Path], content_dir: Path, replace: bool = False) -> WritePlan:
    """Check the workbooks against content/ with the YAML rules; write their records, or raise and write nothing.

    A record whose id another unit's record holds is refused, naming both, unless `replace`.
    """
    content = load_content(content_dir)
    sheets = read_workbooks(paths)
    notes = []
    for raw, rid in generate_activity_ids(content, sheets.records):
        raw.data.key_lines.setdefault("id", raw.data.line)
        notes.append(f"{_cell(sheets, raw.data, 'id')}: 活动编号留空，已生成编号 {rid}；可以把它填进表格，以后更新这次活动")
    problems = list(content.problems) + sheets.parse_problems
    site = None
    try:
        site = validate_content(merged_content(content, sheets))
    except ContentError as error:
        problems += error.problems
    if problems or sheets.problems or site is None:
        raise ImportProblems(locate(problems, sheets, record_names(content, sheets), _year(content)))
    found = clashes(content, sheets.records)
    if found and not replace:
        raise ImportProblems([_clash_line(c, sheets) for c in found])
    for clash in found:
        notes.append(f"已替换 {describe_old(clash)}：换成了 {_cell(sheets, clash.new.data, 'id')} 这一行"
                     f"（{'、'.join(sorted(clash.new_units))} 的{WHAT[clash.kind]}）")
    notes += [f"{place}: {_field_name(place, '')}: {note}" for place, note in sorted(sheets.loose, key=lambda n: n[0].order)]
    plan = plan_records(content, sheets.records, _grouper(site), {(c.kind, c.rid) for c in found})
    write_files(content_dir, plan.files)
    return replace_fields(plan, notes=tuple(notes))


def record_names(content: RawContent, sheets: Sheets) -> dict[str, dict[str, str]]:
    """Return kind → name (and short name, title) → id of the records of content/ and the workbooks."""
    names: dict[str, dict[str, str]] = {}
    for kind in RECORD_TYPES:
        found = names.setdefault(kind, {})
        for raw in [*content.records[kind], *sheets.records[kind]]:
            rid = record_id(raw)
            if rid is None or not isinstance(raw.data, dict):
                continue
            for key in ("name", "short_name", "title"):
                value = raw.data.get(key)
                if isinstance(value, str) and value.strip():
                    found.setdefault(value.strip(), rid)
    return names


def _year(content: RawContent) -> int:
    """Return the year of the campaign's as_of (the example year for a date typed without one)."""
    data = content.site.data if content.site is not None else None
    as_of = data.get("as_of") if isinstance(data, dict) else None
    match = re.match(r"(\d{4})", str(as_of or ""))
    return int(match.group(1)) if match else date.today().year


def _cell(sheets: Sheets, data: LineMap, key: str) -> str:
    """Return “FILE 表!A2” of a field of a workbook row."""
    place = sheets.locator.find(data.key_lines.get(key, data.line))
    return str(place) if place is not None else "?"


def _clash_line(clash: Clash, sheets: Sheets) -> str:
    place = sheets.locator.find(clash.new.data.key_lines.get("id", clash.new.data.line))
    header = place.column.header if place is not None and place.column is not None else "编号"
    what = WHAT[clash.kind]
    return (f"{_cell(sheets, clash.new.data, 'id')}: {header}: 编号“{clash.rid}”已被另一个单位的{what}使用："
            f"{describe_old(clash)}；这一行是 {'、'.join(sorted(clash.new_units))} 的{what}，导入会替换掉原来的记录，"
            f"所以没有导入。请给这一行换一个编号"
            f"{'（活动编号留空则自动生成）' if clash.kind == 'activities' else ''}"
            f"；确实要替换时，加 --replace 再导入一次")


def record_id(raw: RawRecord) -> str | None:
    """Return a raw record's id when it has a usable one."""
    value = raw.data.get("id") if isinstance(raw.data, dict) else None
    return value if isinstance(value, str) else None


KEPT = ("extra", "internal")


def merged_content(content: RawContent, sheets: Sheets) -> RawContent:
    """Return content/ with each workbook record replacing the record of the same id (internal fields kept)."""
    records: dict[str, list[RawRecord]] = {}
    for kind in RECORD_TYPES:
        existing = {rid: raw for raw in content.records[kind] if (rid := record_id(raw)) is not None}
        incoming = {rid for raw in sheets.records[kind] if (rid := record_id(raw)) is not None}
        for raw in sheets.records[kind]:
            old = existing.get(record_id(raw) or "")
            if old is not None and isinstance(old.data, dict):
                keep_missing(raw.data, old.data, sheets.present.get((raw.line, kind), set()))
        records[kind] = [r for r in content.records[kind] if record_id(r) not in incoming] + sheets.records[kind]
    return RawContent(content.root, content.site, records, content.stories, content.assets, [],
                      content.unreadable)



def keep_missing(data: LineMap, old: dict[str, Any], present: set[str]) -> None:
    """Keep what content/ has where the workbook says nothing: columns it lacks, empty 附加/内部 cells."""
    for key, value in old.items():
        if data.get(key) is None and (key not in present or key in KEPT):
            data[key] = value
