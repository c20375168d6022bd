"""Write the fill-in workbook for units (`template`) and the whole campaign in the same layout (`export`)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.content.load import RawContent, load_content
from generator.content.reader import RECORD_TYPES
from generator.errors import UsageError
from generator.model.model import Site
from generator.model.validate import CHECK_RESULTS, METHODS, NEEDS, plain, validate_content
from generator.office.workbook import ACTIVITY_KINDS, SHEETS, UNIT_KINDS, Options, SheetLayout, label, write_workbook

Row = Mapping[str, Any]


def _options(site: Site, branches: Sequence[str] | None = None, units: Sequence[str] | None = None) -> Options:
    """Return the dropdown lists: references as “编号 名称”, kinds from the spec and the records."""
    return Options({
        "units": [label(u.id, u.name) for u in site.units if units is None or u.id in units],
        "branches": [label(b.id, b.name) for b in site.branches if branches is None or b.id in branches],
        "villages": [label(v.id, f"{v.name} {v.town}") for v in site.villages],
        "activities": [label(a.id, a.title) for a in site.activities] if branches is None else [],
        "inspections": [i.id for i in site.inspections] if branches is None else [],
        "activity_kinds": list(dict.fromkeys([*ACTIVITY_KINDS, *sorted({a.kind for a in site.activities})])),
        "unit_kinds": list(dict.fromkeys([*UNIT_KINDS, *sorted({u.kind for u in site.units})])),
        "themes": sorted({a.theme for a in site.activities if a.theme}),
        "needs": list(NEEDS),
        "methods": list(METHODS),
        "results": list(CHECK_RESULTS),
    })


def _checked(content_dir: Path) -> tuple[RawContent, Site]:
    content = load_content(content_dir)
    return content, validate_content(content)  # a workbook of broken records would not import back


def _raw_rows(content: RawContent) -> dict[str, list[dict[str, Any]]]:
    """Return every record as plain data, per kind, sorted by id as the site lists them."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for kind in RECORD_TYPES:
        records = [plain(r.data) for r in content.records[kind]]
        rows[kind] = sorted(records, key=lambda r: str(r["id"]))
    return rows


def _child_rows(parents: Sequence[Row], key: str, parent_key: str) -> list[dict[str, Any]]:
    """Return one row per donation, beneficiary or check, keyed by its activity or inspection."""
    rows: list[dict[str, Any]] = []
    for parent in parents:
        if key == "checks":
            checks: Mapping[str, Any] = parent.get(key) or {}
            rows += [{parent_key: parent["id"], "item": item, "result": result} for item, result in checks.items()]
        else:
            rows += [{parent_key: parent["id"], **item} for item in parent.get(key) or []]
    return rows


def _sheets(rows: Mapping[str, Sequence[Row]], for_units: bool) -> list[tuple[SheetLayout, Sequence[Row]]]:
    children = {"donations": ("activities", "activity"), "beneficiaries": ("activities", "activity"),
                "checks": ("inspections", "inspection")}
    result: list[tuple[SheetLayout, Sequence[Row]]] = []
    for layout in SHEETS:
        if for_units and not layout.for_units:
            continue
        if layout.parent:
            parent_kind, parent_key = children[layout.kind]
            result.append((layout, _child_rows(rows.get(parent_kind, ()), layout.kind, parent_key)))
        else:
            result.append((layout, rows.get(layout.kind, ())))
    return result


def export_workbook(content_dir: Path) -> tuple[bytes, Site]:
    """Return the whole campaign (internal fields, inspections and checks included) as one workbook."""
    content, site = _checked(content_dir)
    guide = [
        f"{site.settings.campaign.name}全部记录（截至导出时）",
        "内部资料，请勿外传：本表含支部书记、联系电话、受益人、村情和督导记录。",
        "每张工作表对应一类记录，第 1 行是表头（把鼠标移到表头上可看填写说明），一行一条记录。",
        "改好后用 gongjian import 导入，编号相同的记录会被更新；导入前会按与 YAML 相同的规则逐格检查。",
        "“附加信息”“内部信息”两列是自定义内容（YAML 写法），一般不用改动。",
    ]
    return write_workbook(_sheets(_raw_rows(content), for_units=False), _options(site), guide, hide_free=False), site


_TEMPLATE_BRANCH_FIELDS = ("id", "name", "unit", "members", "village", "paired_on", "secretary", "phone",
                           "member_pairs", "household_pairs")


def template_workbook(content_dir: Path, unit: str | None) -> tuple[bytes, str]:
    """Return the fill-in workbook for all units, or for one unit pre-filled with its own branches."""
    content, site = _checked(content_dir)
    rows: dict[str, list[dict[str, Any]]] = {}
    branches = None
    units = None
    who = "各单位"
    if unit is not None:
        found = {u.id: u for u in site.units}.get(unit)
        if found is None:
            close = difflib.get_close_matches(unit, [u.id for u in site.units], n=1)
            hint = f"是不是“{close[0]}”？" if close else "请用 content/units 里的单位编号。"
            raise UsageError(f"找不到编号为“{unit}”的单位；{hint}")
        who = found.name
        raw = _raw_rows(content)
        own = [r for r in raw["branches"] if r.get("unit") == unit]
        # Free-form extra/internal stay at home: they may hold the committee's own notes on the unit.
        rows["units"] = [{k: v for k, v in r.items() if k in ("id", "name", "short_name", "kind", "order")}
                         for r in raw["units"] if r["id"] == unit]
        rows["branches"] = [{k: v for k, v in r.items() if k in _TEMPLATE_BRANCH_FIELDS} for r in own]
        branches = [str(r["id"]) for r in own]
        units = [unit]
    guide = [
        f"{site.settings.campaign.name}填报表（{who}）",
        "请按工作表逐行填写：单位、支部、共建村、活动；活动的捐赠物资和受帮扶的人分别填在“捐赠”“受益人”表，用活动编号对应。",
        "第 1 行是表头，不要改动；把鼠标移到表头上可看填写说明（必填/选填、单位、格式）。橙色表头是内部信息，不会公开。",
        "编号用小写英文字母、数字和“-”，例如 lzy-b01；本单位已有的编号再次填报会更新原记录，"
        "其他单位已用的编号会被拒绝。活动编号可以留空，导入时自动生成（单位编号-日期-序号，例如 czj-20240305-1）。"
        "日期写成 2017-10-23。",
        "多个支部或村用顿号“、”隔开；可以从下拉列表选择，也可以直接输入编号。",
        "填好后请保存为 .xlsx（Excel 或 WPS 均可）发回。",
    ]
    return write_workbook(_sheets(rows, for_units=True), _options(site, branches, units), guide, hide_free=True), who
