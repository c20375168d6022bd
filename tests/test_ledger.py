"""The ledger per branch and per unit, the lagging list, and the CSV files Excel opens."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from generator.internal.ledger import (
    BRANCH_HEADER,
    branch_csv,
    branch_rows,
    csv_bytes,
    lagging_csv,
    lagging_groups,
    unit_csv,
    unit_rows,
)
from generator.model.model import Donation
from generator.model.progress import compute_progress
from tests import campaigns as c

AS_OF = c.AS_OF
DAY = timedelta(days=1)


def campaign():  # type: ignore[no-untyped-def]
    return c.site(
        units=[c.unit("hosp", "市第四人民医院"), c.unit("agri", "市农科院"), c.unit("idle", "市档案馆")],
        villages=[c.village("wh", "北城街道办事处", "东昌府区", "王辉村"), c.village("dc", name="东村")],
        branches=[
            c.branch("hosp-b1", "hosp", "wh", AS_OF - 60 * DAY, secretary="张书记", phone="=HYPERLINK(1)",
                     member_pairs=10, household_pairs=5),
            c.branch("hosp-b2", "hosp", "dc", AS_OF - 40 * DAY, member_pairs=2),
            c.branch("hosp-b3", "hosp", "dc", AS_OF + DAY),
            c.branch("agri-b1", "agri", "dc", AS_OF - 90 * DAY, name="+市农科院机关党支部"),
        ],
        activities=[
            c.activity("joint", AS_OF - 50 * DAY, ["hosp-b1", "agri-b1"], 12, funds=1000.5,
                       donations=[Donation("棉被", 10, "套", 2000)]),
            c.activity("recent", AS_OF - 5 * DAY, ["hosp-b1"], 3, funds=100),
            c.activity("b3-early", AS_OF - 2 * DAY, ["hosp-b3"], 4),
            c.activity("future", AS_OF + DAY, ["hosp-b2"], 99, funds=99),
        ],
    )


def test_branch_rows_count_shared_activities_in_full_and_ignore_later_ones() -> None:
    s = campaign()
    rows = {r.branch.id: r for r in branch_rows(s, compute_progress(s))}
    b1, agri = rows["hosp-b1"], rows["agri-b1"]
    assert (b1.activities, b1.participants, b1.funds, b1.donation_value, b1.total_value) == (2, 15, 1100.5, 2000, 3100.5)
    assert (agri.activities, agri.participants, agri.total_value) == (1, 12, 3000.5)
    assert rows["hosp-b2"].activities == 0 and rows["hosp-b2"].last_activity is None  # its activity is after as_of
    assert b1.last_activity == AS_OF - 5 * DAY
    assert b1.village is not None and b1.village.name == "王辉村"


def test_branch_paired_after_as_of_shows_unpaired_in_the_ledger() -> None:
    s = campaign()
    row = next(r for r in branch_rows(s, compute_progress(s)) if r.branch.id == "hosp-b3")
    assert row.village is None and row.paired_on is None and row.lagging == "unpaired"
    assert row.activities == 1  # it was active before pairing; that still counts


def test_branch_rows_are_grouped_by_unit() -> None:
    s = campaign()
    assert [r.branch.id for r in branch_rows(s, compute_progress(s))] == ["agri-b1", "hosp-b1", "hosp-b2", "hosp-b3"]


def test_unit_rows_agree_with_progress_by_unit_and_add_pairs_and_lagging() -> None:
    s = campaign()
    p = compute_progress(s)
    rows = unit_rows(s, p)
    assert [r.figures for r in rows] == list(p.by_unit)
    hosp = next(r for r in rows if r.unit.id == "hosp")
    assert (hosp.member_pairs, hosp.household_pairs, hosp.lagging, hosp.rate) == (12, 5, 2, 0.6667)
    idle = next(r for r in rows if r.unit.id == "idle")
    assert (idle.figures.branches, idle.rate, idle.lagging) == (0, 0.0, 0)


def test_lagging_groups_by_unit_with_days_since_last_activity() -> None:
    s = campaign()
    p = compute_progress(s)
    groups = lagging_groups(s, branch_rows(s, p))
    assert [(g.unit.id, g.branches, [e.row.branch.id for e in g.rows]) for g in groups] == [
        ("agri", 1, ["agri-b1"]), ("hosp", 3, ["hosp-b2", "hosp-b3"])]
    agri = groups[0].rows[0]
    assert (agri.reason, agri.reason_zh, agri.days_since) == ("inactive", "近期无活动", 50)
    hosp = groups[1].rows
    assert [(e.reason, e.days_since) for e in hosp] == [("inactive", None), ("unpaired", 2)]
    assert sorted(e.row.branch.id for g in groups for e in g.rows) == sorted(e.branch for e in p.lagging)


def read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def unquote(cell: str) -> str:
    """Return the text a spreadsheet shows for a cell written as the formula ="…"."""
    assert cell.startswith('="') and cell.endswith('"'), cell
    return cell[2:-1].replace('""', '"')


def test_branch_csv_is_excel_ready() -> None:
    s = campaign()
    table = read(branch_csv(branch_rows(s, compute_progress(s))))
    assert tuple(table[0]) == BRANCH_HEADER
    rows = {unquote(r[1]): dict(zip(BRANCH_HEADER, r, strict=True)) for r in table[1:]}
    b1 = rows["hosp-b1"]
    assert b1["单位"] == "市第四人民医院" and b1["共建村"] == "王辉村" and b1["乡镇（街道）"] == "北城街道办事处"
    assert b1["对接日期"] == (AS_OF - 60 * DAY).isoformat()
    assert (b1["投入资金（元）"], b1["捐赠折合（元）"], b1["合计（元）"]) == ("1100.5", "2000", "3100.5")
    assert b1["联系电话"] == "'=HYPERLINK(1)"  # never a live formula in Excel
    assert rows["agri-b1"]["支部名称"] == "'+市农科院机关党支部"
    assert rows["hosp-b3"]["约谈"] == "尚未对接" and rows["hosp-b3"]["共建村"] == ""


def test_unit_and_lagging_csv() -> None:
    s = campaign()
    p = compute_progress(s)
    units = read(unit_csv(unit_rows(s, p)))
    hosp = next(r for r in units if r[0] == '="hosp"')
    assert hosp[1:6] == ["市第四人民医院", "机关", "3", "2", "66.67%"]
    lagging = read(lagging_csv(lagging_groups(s, branch_rows(s, p))))
    assert [unquote(r[1]) for r in lagging[1:]] == ["agri-b1", "hosp-b2", "hosp-b3"]
    assert lagging[1][3:7] == ["近期无活动", (AS_OF - 90 * DAY).isoformat(), (AS_OF - 50 * DAY).isoformat(), "50"]
    assert lagging[2][6] == ""  # no activity: no number of days


def test_csv_guards_every_formula_start_and_keeps_numbers_plain() -> None:
    data = csv_bytes(["a"], [["=1+1"], ["-2"], ["@x"], ["\tx"], ["普通"], [-0.5], [3], [2.25], [None]])
    assert [r[0] for r in read(data)[1:]] == ["'=1+1", "'-2", "'@x", "'\tx", "普通", "-0.5", "3", "2.25", ""]


def test_identifiers_and_phone_numbers_stay_text_in_excel() -> None:
    # Excel and WPS would show 13800138000 as 1.38E+10, drop the 0 of 0635 and read 1-2 as a date.
    s = c.site(units=[c.unit("1-2")], villages=[c.village("v1")],
               branches=[c.branch("007", "1-2", "v1", AS_OF - 5 * DAY, phone="13800138000", secretary="王"),
                         c.branch("008", "1-2", phone='0635-8"1"'), c.branch("009", "1-2")])
    p = compute_progress(s)
    table = read(branch_csv(branch_rows(s, p)))
    column = {name: n for n, name in enumerate(BRANCH_HEADER)}
    cells = {unquote(r[column["支部编号"]]): r for r in table[1:]}
    assert set(cells) == {"007", "008", "009"}
    assert cells["007"][column["联系电话"]] == '="13800138000"'
    assert unquote(cells["008"][column["联系电话"]]) == '0635-8"1"'  # a quote inside cannot end the string early
    assert cells["009"][column["联系电话"]] == ""  # nothing written, nothing shown
    assert cells["007"][column["党员人数"]] == "10"  # numbers stay numbers
    units = read(unit_csv(unit_rows(s, p)))
    assert units[1][0] == '="1-2"'
    lagging = read(lagging_csv(lagging_groups(s, branch_rows(s, p))))
    assert {unquote(r[1]) for r in lagging[1:]} == {"008", "009"}
    assert all(r[8] in ("", '="0635-8""1"""') for r in lagging[1:])
