"""The big internal tables as data: `<script src>` files that hand their rows to the page's grid.

Script files, not JSON fetched by the page: staff open the folder from a shared drive over file://,
where the browser refuses fetch but runs <script src>. The rows are split into a fixed number of
buckets by unit, so an edit rewrites the bucket of the units it touches and leaves the others byte
for byte as they were (write.py then keeps them). Rows are lists, their fields in the order of
the *_FIELDS names below, which the grid (templates/internal/_grid.js) reads by the same names.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import orjson

from generator.internal.dashboard import ActivityRow
from generator.internal.ledger import BranchRow, UnitRow

BUCKETS = 32  # files per table: few enough to load at once, many enough that an edit rewrites 1/32 of the rows

UNIT_FIELDS = ("id", "name", "kind", "branches", "paired", "rate", "activities", "participants", "value", "last",
               "mpairs", "hpairs", "lagging")
BRANCH_FIELDS = ("unit", "id", "name", "members", "village", "town", "county", "paired", "activities",
                 "participants", "value", "last", "mpairs", "hpairs", "secretary", "phone", "reason", "days")
ACTIVITY_FIELDS = ("id", "date", "title", "kind", "theme", "units", "branches", "villages", "participants", "funds",
                   "donation", "value")


def bucket(unit_id: str) -> int:
    """Return the data file a unit's rows go in; the same for a unit from build to build."""
    return zlib.crc32(unit_id.encode("utf-8")) % BUCKETS


def data_path(table: str, n: int | None = None) -> str:
    """Return the path, under internal/, of a table's data file (units has one, the others BUCKETS)."""
    return f"data/{table}.js" if n is None else f"data/{table}-{n:02d}.js"


def bucket_paths(table: str) -> tuple[str, ...]:
    """Return the paths of all the data files of a bucketed table, in load order."""
    return tuple(data_path(table, n) for n in range(BUCKETS))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _script(table: str, rows: Sequence[Sequence[Any]]) -> bytes:
    # orjson: the rows of 12,000 activities serialise in milliseconds, where json.dumps takes ten times as long.
    # Its output is JSON, which is also a JavaScript expression (U+2028 is legal in JS strings since ES2019).
    return (b"(window.GJ_DATA=window.GJ_DATA||[]).push([" + orjson.dumps(table) + b","
            + orjson.dumps(rows) + b"]);\n")


def unit_record(r: UnitRow) -> list[Any]:
    """Return a unit ledger row as the grid reads it."""
    f = r.figures
    return [r.unit.id, r.unit.name, r.unit.kind, f.branches, f.paired, round(r.rate, 6), f.activities,
            f.participants, f.total_value, _iso(f.last_activity), r.member_pairs, r.household_pairs, r.lagging]


def branch_record(r: BranchRow, as_of: date) -> list[Any]:
    """Return a branch ledger row as the grid reads it; the 约谈 reason and days since the last activity with it."""
    v = r.village
    days = (as_of - r.last_activity).days if r.last_activity and r.lagging else None
    return [r.unit.id, r.branch.id, r.branch.name, r.branch.members, v.name if v else None, v.town if v else None,
            v.county if v else None, _iso(r.paired_on), r.activities, r.participants, r.total_value,
            _iso(r.last_activity), r.branch.member_pairs, r.branch.household_pairs, r.branch.secretary,
            r.branch.phone, r.lagging, days]


def activity_record(r: ActivityRow) -> list[Any]:
    """Return an activity row as the grid reads it; its branches as [id, name, unit id]."""
    a = r.activity
    return [a.id, a.date.isoformat(), a.title, a.kind, a.theme, [u.id for u in r.units],
            [[b.id, b.name, b.unit] for b in r.branches], [v.name for v in r.villages], a.participants, r.funds,
            r.donation_value, r.total_value]


def activity_entries(rows: Iterable[ActivityRow]) -> tuple[tuple[int, list[Any]], ...]:
    """Return each activity row's data file (by its first unit) and its row as the grid reads it, in order."""
    return tuple((bucket(r.units[0].id if r.units else ""), activity_record(r)) for r in rows)


def branch_entries(rows: Iterable[BranchRow], as_of: date) -> tuple[tuple[int, list[Any]], ...]:
    """Return each branch ledger line's data file (by its unit) and its row as the grid reads it, in order."""
    return tuple((bucket(r.unit.id), branch_record(r, as_of)) for r in rows)


def grid_files(units: Sequence[UnitRow], branches: Sequence[tuple[int, list[Any]]],
               activities: Sequence[tuple[int, list[Any]]]) -> dict[str, bytes]:
    """Return every data file: units in one, branches and activities in BUCKETS each.

    `branches`: `branch_entries` of the ledger lines in ledger order; `activities`: `activity_entries` of the
    rows newest first. (The build makes each file as an engine query: pipeline.grid_data.)
    """
    files = {data_path("units"): units_script(units)}
    for table, entries in (("branches", branches), ("activities", activities)):
        for n, rows in enumerate(split_buckets(entries)):
            files[data_path(table, n)] = bucket_script(table, rows)
    return files


def units_script(units: Sequence[UnitRow]) -> bytes:
    """Return the data file of the unit ledger."""
    return _script("units", [unit_record(r) for r in units])


def split_buckets(entries: Iterable[tuple[int, list[Any]]]) -> tuple[tuple[list[Any], ...], ...]:
    """Return the rows of (data file, row) entries file by file, each file's in their order."""
    per_bucket: tuple[list[list[Any]], ...] = tuple([] for _ in range(BUCKETS))
    for n, record in entries:
        per_bucket[n].append(record)
    return tuple(tuple(rows) for rows in per_bucket)


def bucket_script(table: str, rows: Sequence[Sequence[Any]]) -> bytes:
    """Return one data file of a bucketed table (`rows` as the grid reads them)."""
    return _script(table, rows)


# --- what each grid page shows: columns, filters, find, CSV ----------------------------------------------------

def _col(key: str, label: str, kind: str = "text", total: bool = False, cls: str | None = None) -> dict[str, Any]:
    return {"key": key, "label": label, "kind": kind, "num": kind in ("num", "money", "rate", "days"),
            "total": total, "cls": cls or ("date" if kind == "date" else None)}


def _select(key: str, field: str, label: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"key": key, "field": field, "label": label, "kind": "select", "labels": labels or {}}


REASON_LABELS = {"unpaired": "尚未对接", "inactive": "近期无活动"}
_BRANCH_CSV = [
    {"key": "unitName", "label": "单位"}, {"key": "id", "label": "支部编号", "text": True},
    {"key": "name", "label": "支部名称"}, {"key": "members", "label": "党员人数"},
    {"key": "village", "label": "共建村"}, {"key": "town", "label": "乡镇（街道）"},
    {"key": "county", "label": "县（市、区）"}, {"key": "paired", "label": "对接日期"},
    {"key": "activities", "label": "活动次数"}, {"key": "participants", "label": "党员参与人次"},
    {"key": "value", "label": "资金与捐赠折合（元）"}, {"key": "last", "label": "最近活动"},
    {"key": "mpairs", "label": "党员结对数"}, {"key": "hpairs", "label": "重点户结对数"},
    {"key": "secretary", "label": "支部书记"}, {"key": "phone", "label": "联系电话", "text": True},
    {"key": "reasonText", "label": "约谈"}, {"key": "days", "label": "距最近活动天数"},
]

GRIDS: dict[str, dict[str, Any]] = {
    "ledger-branches.html": {
        "table": "branches", "noun": "个支部", "download": "支部台账（筛选）.csv",
        # 约谈 next to the branch: with long names the last columns scroll out of sight at 1280 px, this one must not
        "columns": [_col("unitName", "单位"), _col("name", "支部", cls="name"), _col("reasonText", "约谈"),
                    _col("members", "党员", "num", True),
                    _col("village", "共建村"), _col("paired", "对接日期", "date"),
                    _col("activities", "活动", "num", True), _col("participants", "党员人次", "num", True),
                    _col("value", "资金与捐赠折合", "money", True), _col("last", "最近活动", "date"),
                    _col("mpairs", "党员结对", "num", True), _col("hpairs", "重点户结对", "num", True),
                    _col("secretary", "支部书记")],
        "filters": [_select("unit", "unit", "单位"), _select("county", "county", "县（市、区）"),
                    _select("town", "town", "乡镇（街道）"), _select("state", "state", "对接状态"),
                    _select("reason", "reason", "约谈", REASON_LABELS)],
        "find": ["name", "id", "village", "unitName", "secretary"],
        "placeholder": "支部、共建村、单位或书记",
        "csv": _BRANCH_CSV,
    },
    "lagging.html": {
        "table": "branches", "only": "lagging", "noun": "个支部", "download": "约谈名单（筛选）.csv",
        "columns": [_col("unitName", "单位"), _col("name", "支部", cls="name"), _col("reasonText", "原因"),
                    _col("paired", "对接日期", "date"), _col("last", "最近活动", "date"),
                    _col("days", "距最近活动", "days"), _col("secretary", "支部书记"),
                    _col("phone", "联系电话")],
        "filters": [_select("unit", "unit", "单位"), _select("county", "county", "县（市、区）"),
                    _select("reason", "reason", "原因", REASON_LABELS)],
        "find": ["name", "id", "village", "unitName", "secretary", "phone"],
        "placeholder": "支部、单位、书记或电话",
        "csv": _BRANCH_CSV,
    },
    "ledger-units.html": {
        "table": "units", "noun": "个单位", "download": "单位台账（筛选）.csv",
        "columns": [_col("unitName", "单位"), _col("kind", "类别"), _col("branches", "支部", "num", True),
                    _col("paired", "已对接", "num", True), _col("rate", "对接率", "rate"),
                    _col("activities", "活动", "num"), _col("participants", "党员人次", "num"),
                    _col("value", "资金与捐赠折合", "money"), _col("last", "最近活动", "date"),
                    _col("mpairs", "党员结对", "num", True), _col("hpairs", "重点户结对", "num", True),
                    _col("lagging", "约谈支部", "num", True)],
        "filters": [_select("kind", "kind", "类别")],
        "find": ["name", "id"],
        "placeholder": "单位名称或编号",
        "csv": [{"key": "id", "label": "单位编号", "text": True}, {"key": "name", "label": "单位名称"},
                {"key": "kind", "label": "类别"}, {"key": "branches", "label": "支部数"},
                {"key": "paired", "label": "已对接"}, {"key": "rate", "label": "对接率"},
                {"key": "activities", "label": "活动次数"}, {"key": "participants", "label": "党员参与人次"},
                {"key": "value", "label": "资金与捐赠折合（元）"}, {"key": "last", "label": "最近活动"},
                {"key": "mpairs", "label": "党员结对数"}, {"key": "hpairs", "label": "重点户结对数"},
                {"key": "lagging", "label": "约谈支部数"}],
    },
    "activities.html": {
        "table": "activities", "noun": "次活动", "download": "活动清单（筛选）.csv",
        "columns": [_col("date", "日期", "date"), _col("title", "活动", cls="name"), _col("kind", "类型"),
                    _col("unitName", "单位"), _col("branchText", "支部", cls="list"), _col("villageText", "共建村"),
                    _col("participants", "党员人次", "num", True), _col("funds", "投入资金", "money", True),
                    _col("donation", "捐赠折合", "money", True), _col("value", "合计", "money", True)],
        "filters": [_select("unit", "unit", "单位"), _select("kind", "kind", "类型"),
                    _select("theme", "theme", "主题"),
                    {"key": "from", "field": "date", "label": "从", "kind": "from"},
                    {"key": "to", "field": "date", "label": "到", "kind": "to"}],
        "find": ["title", "id", "branchText", "villageText", "unitName"],
        "placeholder": "活动名称、支部或村",
        "csv": [{"key": "id", "label": "活动编号", "text": True}, {"key": "date", "label": "日期"},
                {"key": "title", "label": "活动"}, {"key": "kind", "label": "类型"}, {"key": "theme", "label": "主题"},
                {"key": "unitName", "label": "单位"}, {"key": "branchText", "label": "支部"},
                {"key": "villageText", "label": "共建村"}, {"key": "participants", "label": "党员参与人次"},
                {"key": "funds", "label": "投入资金（元）"}, {"key": "donation", "label": "捐赠折合（元）"},
                {"key": "value", "label": "合计（元）"}],
    },
}
FIELDS = {"units": UNIT_FIELDS, "branches": BRANCH_FIELDS, "activities": ACTIVITY_FIELDS}


def grid_config(page: str) -> dict[str, Any]:
    """Return what the grid script of a page needs: its grid's columns, filters and the field names of the rows."""
    return {**GRIDS[page], "fields": FIELDS}


def grid_scripts(page: str) -> tuple[str, ...]:
    """Return the data files a grid page loads, units first (the others look unit names up in it)."""
    table = GRIDS[page]["table"]
    return (data_path("units"),) + (bucket_paths(table) if table != "units" else ())
