"""Spreadsheets in and out: template, export → import round trip, cell-precise problems, .xlsx ledgers, .docx report."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from generator.build import check_site
from generator.cli import main
from generator.errors import ImportProblems
from generator.internal.internal_pages import office_files
from generator.office.xlsx_export import export_workbook, template_workbook
from generator.office.xlsx_import import import_workbooks
from tests.markers import write_campaign
from tests.trees import tree as snapshot


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A marker campaign with every field used (short_name added: the generator leaves it out)."""
    content = write_campaign(tmp_path / "orig", units=2, branches_per_unit=2, activities_per_branch=2)
    units_file = content / "units" / "generated.yaml"
    units = yaml.safe_load(units_file.read_text(encoding="utf-8"))
    units[0]["short_name"] = "简称一"
    units_file.write_text(yaml.safe_dump(units, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # A group written as a number: the workbook gives it back as text, which is the same group.
    visits_file = content / "inspections" / "generated.yaml"
    visits = yaml.safe_load(visits_file.read_text(encoding="utf-8"))
    visits[0]["group"] = 1
    visits_file.write_text(yaml.safe_dump(visits, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return content


def fresh(tmp_path: Path, content: Path, name: str = "rebuilt") -> Path:
    """Return a content folder holding only site.yaml, stories/ and assets/ of `content`."""
    target = tmp_path / name / "content"
    target.mkdir(parents=True)
    shutil.copy(content / "site.yaml", target / "site.yaml")
    shutil.copytree(content / "stories", target / "stories")
    shutil.copytree(content / "assets", target / "assets")
    return target


def exported(tmp_path: Path, content: Path) -> Path:
    data, _ = export_workbook(content)
    path = tmp_path / "全部记录.xlsx"
    path.write_bytes(data)
    return path


def test_export_import_rebuilds_the_same_internal_side(tmp_path: Path, campaign: Path) -> None:
    workbook = exported(tmp_path, campaign)
    target = fresh(tmp_path, campaign)
    plan = import_workbooks([workbook], target)
    assert sum(t.added for t in plan.tallies.values()) == sum(
        len(yaml.safe_load((campaign / kind / "generated.yaml").read_text(encoding="utf-8")))
        for kind in ("units", "branches", "villages", "activities", "inspections"))
    original, rebuilt = check_site(campaign), check_site(target)
    assert rebuilt.internal.files["progress.json"] == original.internal.files["progress.json"]
    assert json.loads(original.internal.files["progress.json"])["activities"]["count"] > 0
    # Same model, so every internal file (ledgers, .xlsx, .docx) and the public plan come out the same.
    assert dict(rebuilt.internal.files) == dict(original.internal.files)
    assert [(u.id, u.short_name, u.internal) for u in rebuilt.site.units] == [
        (u.id, u.short_name, u.internal) for u in original.site.units]
    assert [a.extra for a in rebuilt.site.activities] == [a.extra for a in original.site.activities]
    assert [i.checks for i in rebuilt.site.inspections] == [i.checks for i in original.site.inspections]
    # Nested internal data that the model does not keep is kept in the files.
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((target / "activities").glob("*.yaml")))
    assert "身份证" in text and "经手人" in text


def test_importing_twice_changes_nothing(tmp_path: Path, campaign: Path) -> None:
    workbook = exported(tmp_path, campaign)
    target = fresh(tmp_path, campaign)
    import_workbooks([workbook], target)
    before = snapshot(target)
    plan = import_workbooks([workbook], target)
    assert snapshot(target) == before
    assert plan.files == {}
    assert all(t.added == 0 and t.updated == 0 for t in plan.tallies.values())
    assert sum(t.unchanged for t in plan.tallies.values()) > 0
    # The export of the original content also matches it record for record.
    again = import_workbooks([workbook], campaign)
    assert again.files == {} and sum(t.unchanged for t in again.tallies.values()) == sum(
        t.unchanged for t in plan.tallies.values())


BAD_CELLS = [  # sheet, cell, value, header named in the problem, words of the message
    ("单位", "A2", "Bad_ID", "单位编号", "不是合格的编号"),
    ("单位", "B2", None, "单位名称", "不能为空"),
    ("单位", "F2", "a: [b", "内部信息（不公开）", "方括号"),
    ("支部", "C2", "nosuch", "所属单位", "找不到编号为“nosuch”的单位"),
    ("支部", "D2", "十二", "党员人数（人）", "不小于 0 的整数"),
    ("共建村", "E2", "班子软弱涣散、乱写", "村情类别 第2项", "不在可选范围内"),
    ("活动", "B2", "2017-13-01", "日期", "没有 2017-13-01 这一天"),
    ("活动", "F3", "nosuch-b", "参与支部 第1项", "找不到编号为“nosuch-b”的支部"),
    ("活动", "I2", "-5", "投入资金（元）", "不能是负数"),
    ("活动", "K2", "photos/none.svg", "照片 第1项", "找不到文件"),
    ("捐赠", "C2", "abc", "数量", "不小于 0 的数量"),
    ("督导", "B2", "十一月", "日期", "YYYY-MM-DD"),
    ("督导检查", "C2", "优秀", "结果", "结果只能是"),
    ("督导", "F2", "听、写", "督导方式 第2项", "不在可选范围内"),
    ("受益人", "B2", None, "姓名", "不能为空"),
    ("支部", "F3", "2017-9-31", "对接日期", "没有 2017-09-31 这一天"),
]


def test_a_bad_cell_in_every_kind_of_column_is_named(tmp_path: Path, campaign: Path) -> None:
    workbook = exported(tmp_path, campaign)
    wb = load_workbook(workbook)
    for sheet, cell, value, _, _ in BAD_CELLS:
        wb[sheet][cell] = value
    wb["捐赠"]["A3"] = "nope"
    bad = tmp_path / "活动填报.xlsx"
    wb.save(bad)
    target = fresh(tmp_path, campaign)
    before = snapshot(target)
    with pytest.raises(ImportProblems) as caught:
        import_workbooks([bad], target)
    lines = caught.value.problems
    for sheet, cell, _, header, words in BAD_CELLS:
        prefix = f"{bad} {sheet}!{cell}: {header}: "
        assert any(line.startswith(prefix) and words in line for line in lines), (prefix, lines)
    assert any(line.startswith(f"{bad} 捐赠!A3: ") and "不在本表格的“活动”工作表里" in line for line in lines)
    assert snapshot(target) == before  # a failed import changes nothing


def test_cli_reports_every_problem_and_exit_1(tmp_path: Path, campaign: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workbook = exported(tmp_path, campaign)
    wb = load_workbook(workbook)
    wb["活动"]["B2"] = "2017-02-30"
    wb["活动"]["H3"] = "many"
    wb.save(workbook)
    before = snapshot(campaign)
    assert main(["import", str(workbook), "--content", str(campaign)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{workbook} 活动!B2: 日期: 没有 2017-02-30 这一天")
    assert err[1].startswith(f"{workbook} 活动!H3: 党员参与人次（人次）: ")
    assert err[-1].startswith("共 2 个问题") and "没有任何改动" in err[-1]
    assert snapshot(campaign) == before


def test_export_says_it_is_internal(tmp_path: Path, campaign: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "导出.xlsx"
    assert main(["export", str(out), "--content", str(campaign)]) == 0
    assert "内部资料" in capsys.readouterr().out
    wb = load_workbook(out)
    assert {"单位", "支部", "共建村", "活动", "捐赠", "受益人", "督导", "督导检查"} <= set(wb.sheetnames)


def test_excel_and_wps_habits_are_read(tmp_path: Path, campaign: Path) -> None:
    """Dates as text, numbers stored as text, half-width brackets, spaces in headers, trailing empty rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "活动"
    ws.append(["活动编号", "日期", "活动名称", "活动类别", "参与支部", "党员参与人次 (人次)", "投入资金(元)"])
    ws.append(["new-a1", "2017/10/5", "义诊", "送健康下乡", "u000-b00 支部0-0", "12", "1,200.50"])
    ws.append(["new-a2", "2017年10月6日", "培训", "科技培训", "u000-b00、u001-b01", 7.0, 300])
    ws.append(["new-a3", 43017, "座谈", "思想教育", "u001-b00", 3])  # a date cell that lost its format in WPS
    ws.append([None, "  ", None])  # left over by the spreadsheet program
    ws.append([])
    d = wb.create_sheet("捐赠")
    d.append(["活动编号", "物品", "数量", "计量单位"])
    d.append(["new-a1", "药品", "30", "盒"])
    path = tmp_path / "wps.xlsx"
    wb.save(path)
    plan = import_workbooks([path], campaign)
    assert plan.tallies["activities"].added == 3
    site = check_site(campaign).site
    a1 = next(a for a in site.activities if a.id == "new-a1")
    a2 = next(a for a in site.activities if a.id == "new-a2")
    assert (a1.date.isoformat(), a1.participants, a1.funds, a1.branches) == ("2017-10-05", 12, 1200.5, ("u000-b00",))
    assert (a2.date.isoformat(), a2.participants, a2.branches) == ("2017-10-06", 7, ("u000-b00", "u001-b01"))
    assert [(d.item, d.quantity, d.unit) for d in a1.donations] == [("药品", 30, "盒")]
    assert next(a for a in site.activities if a.id == "new-a3").date.isoformat() == "2017-10-09"
    assert (campaign / "activities" / "u000.yaml").is_file()


def test_merged_cells_are_refused_clearly(tmp_path: Path, campaign: Path) -> None:
    workbook = exported(tmp_path, campaign)
    wb = load_workbook(workbook)
    wb["支部"].merge_cells("A1:B1")
    wb["活动"].merge_cells("D2:D3")
    wb.save(workbook)
    with pytest.raises(ImportProblems) as caught:
        import_workbooks([workbook], campaign)
    lines = caught.value.problems
    assert any(line.startswith(f"{workbook} 支部!A1:B1: 表头有合并单元格") for line in lines), lines
    assert any(line.startswith(f"{workbook} 活动!D2:D3: 这里是合并单元格") for line in lines), lines


def test_update_replaces_the_record_where_it_is(tmp_path: Path, campaign: Path) -> None:
    """A changed record is replaced in its own file; comments and other records stay as written."""
    branches = campaign / "branches" / "generated.yaml"
    text = "# 各支部台账（手工维护）\n" + branches.read_text(encoding="utf-8")
    branches.write_text(text, encoding="utf-8")
    workbook = exported(tmp_path, campaign)
    wb = load_workbook(workbook)
    assert wb["支部"]["A3"].value == "u000-b01"
    wb["支部"]["D3"] = 99
    wb.save(workbook)
    plan = import_workbooks([workbook], campaign)
    assert (plan.tallies["branches"].updated, plan.tallies["branches"].added) == (1, 0)
    assert list(plan.files) == [branches]
    after = branches.read_text(encoding="utf-8")
    assert after.startswith("# 各支部台账（手工维护）\n")
    records = yaml.safe_load(after)
    old = yaml.safe_load(text)
    assert [r["id"] for r in records] == [r["id"] for r in old]
    assert next(r for r in records if r["id"] == "u000-b01")["members"] == 99
    assert [r for r in records if r["id"] != "u000-b01"] == [r for r in old if r["id"] != "u000-b01"]


def test_empty_internal_cells_keep_the_internal_fields(tmp_path: Path, campaign: Path) -> None:
    data, _ = template_workbook(campaign, "u000")
    path = tmp_path / "u000.xlsx"
    path.write_bytes(data)
    plan = import_workbooks([path], campaign)
    # The pre-filled rows leave out the free-form fields; importing them back keeps those and changes nothing.
    assert plan.files == {}
    assert plan.tallies["branches"].unchanged == 2 and plan.tallies["units"].unchanged == 1


def test_template_for_a_unit(tmp_path: Path, campaign: Path) -> None:
    data, who = template_workbook(campaign, "u001")
    site = check_site(campaign).site
    assert who == next(u.name for u in site.units if u.id == "u001")
    wb = load_workbook(io.BytesIO(data))
    assert {"单位", "支部", "共建村", "活动", "捐赠", "受益人"} <= set(wb.sheetnames)
    assert "督导" not in wb.sheetnames  # the committee's own records are not sent to units
    ws = wb["支部"]
    headers = [c.value for c in ws[1]]
    assert "党员人数（人）" in headers and "对接日期" in headers
    assert ws.freeze_panes == "A2"
    assert all(c.comment is not None and c.comment.text for c in ws[1])
    own = sorted(b.id for b in site.branches if b.unit == "u001")
    assert [ws.cell(row=r, column=1).value for r in range(2, 2 + len(own))] == own
    assert ws.cell(row=2 + len(own), column=1).value is None
    date_col = headers.index("对接日期") + 1
    assert ws.cell(row=2, column=date_col).number_format == "yyyy-mm-dd"
    assert ws.cell(row=2, column=date_col).value is not None
    lists = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert any("选项" in str(dv.formula1) for dv in lists.values())
    options = wb["选项"]
    values = [str(c.value) for col in options.iter_cols() for c in col]
    assert any(v.startswith(own[0] + " ") for v in values)
    other = next(b.id for b in site.branches if b.unit != "u001")
    assert not any(v.startswith(other + " ") for v in values)  # only the unit's own branches
    act = wb["活动"]
    assert act["B1"].value == "日期" and act.column_dimensions["B"].number_format == "yyyy-mm-dd"
    assert act.column_dimensions["A"].number_format == "@"  # ids typed later stay text
    assert act.max_row == 1  # no formatted empty rows: appended rows land right under the header
    assert "投入资金（元）" in [c.value for c in act[1]]


def test_template_for_an_unknown_unit_suggests(campaign: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", str(tmp_path / "t.xlsx"), "--unit", "u0001", "--content", str(campaign)]) == 2
    assert "是不是“u001”" in capsys.readouterr().err


def _office(checked: Any) -> dict[str, bytes]:
    return office_files(checked.site, checked.progress, checked.figures)


def _cells(ws: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_ledger_workbook_opens_with_its_formats_widths_print_setup_and_date(campaign: Path) -> None:
    checked = check_site(campaign)
    data = _office(checked)["ledger.xlsx"]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        core = package.read("docProps/core.xml").decode()
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # no clock in the zip either
    as_of = checked.site.as_of.isoformat()
    assert f"<dcterms:created xsi:type=\"dcterms:W3CDTF\">{as_of}T00:00:00Z</dcterms:created>" in core
    assert f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{as_of}T00:00:00Z</dcterms:modified>" in core
    wb = load_workbook(io.BytesIO(data))
    assert wb.properties.creator == "gongjian" and wb.properties.title.endswith("台账")
    ws = wb["支部台账"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    head = ws.cell(1, 1)
    assert head.font.b and head.fill.fgColor.rgb.endswith("DDEBF7") and head.alignment.wrap_text
    first, total = ws.cell(2, col["支部编号"]), ws.cell(ws.max_row, 1)
    assert first.data_type == "s" and first.number_format == "@"
    assert ws.cell(2, col["党员人数"]).number_format == "#,##0" and isinstance(ws.cell(2, col["党员人数"]).value, int)
    assert ws.cell(2, col["投入资金（元）"]).number_format == "#,##0.00"
    assert str(total.value).startswith("合计") and total.font.b and total.fill.fgColor.rgb.endswith("F2F2F2")
    assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    setup = ws.sheet_properties.pageSetUpPr
    assert ws.page_setup.fitToHeight == 0 and setup is not None and setup.fitToPage
    # One <col> may cover equal neighbours: each column's width, as Excel reads them.
    widths = {get_column_letter(i): d.width for d in ws.column_dimensions.values()
              for i in range(d.min or 1, (d.max or d.min or 1) + 1)}
    assert widths["B"] == max(8, max(len(str(c.value)) for c in ws["B"]) + 2)  # ids are ASCII: one unit a character
    rate = wb["单位台账"]
    rates = [c for c in next(rate.iter_cols(min_col=[c.value for c in rate[1]].index("对接率") + 1, min_row=2))]
    assert all(c.number_format == "0.00%" for c in rates)
    dates = [c for c in wb["活动"]["A"][1:-1]]
    assert dates and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)


def test_ledger_workbook_figures_match_progress(campaign: Path) -> None:
    checked = check_site(campaign)
    doc = json.loads(checked.internal.files["progress.json"])
    data = _office(checked)["ledger.xlsx"]
    assert _office(check_site(campaign))["ledger.xlsx"] == data  # deterministic bytes
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["支部台账", "单位台账", "约谈名单", "活动", "捐赠"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
    units = _cells(wb["单位台账"])
    header, rows, total = units[0], units[1:-1], units[-1]
    col = {h: i for i, h in enumerate(header)}
    assert [r[col["单位编号"]] for r in rows] == [u["unit"] for u in doc["by_unit"]]
    assert all(isinstance(r[col["单位编号"]], str) for r in rows)
    assert (total[col["支部数"]], total[col["已对接"]]) == (doc["branches"]["total"], doc["branches"]["paired"])
    assert [r[col["活动次数"]] for r in rows] == [u["activities"] for u in doc["by_unit"]]
    activities = _cells(wb["活动"])
    head, body, sums = activities[0], activities[1:-1], activities[-1]
    a = {h: i for i, h in enumerate(head)}
    assert len(body) == doc["activities"]["count"]
    assert sum(r[a["党员参与人次"]] for r in body) == sums[a["党员参与人次"]] == doc["activities"]["participants"]
    assert sums[a["投入资金（元）"]] == doc["activities"]["funds"]
    assert sums[a["合计（元）"]] == doc["activities"]["total_value"]
    donations = _cells(wb["捐赠"])
    assert donations[-1][-1] == doc["activities"]["donation_value"]
    lagging = _cells(wb["约谈名单"])
    assert len(lagging) - 2 == len(doc["lagging"])
    branches = _cells(wb["支部台账"])
    b = {h: i for i, h in enumerate(branches[0])}
    phones = [r[b["联系电话"]] for r in branches[1:-1] if r[b["联系电话"]]]
    assert phones and all(isinstance(p, str) for p in phones)
    assert all(isinstance(r[b["党员人数"]], int) for r in branches[1:-1])


def test_docx_report_matches_progress(campaign: Path) -> None:
    checked = check_site(campaign)
    doc = json.loads(checked.internal.files["progress.json"])
    data = _office(checked)["progress-report.docx"]
    assert _office(check_site(campaign))["progress-report.docx"] == data  # deterministic bytes
    report = Document(io.BytesIO(data))
    texts = [p.text for p in report.paragraphs]
    name = checked.site.settings.campaign.name
    assert f"{name}进展报告" in texts
    summary = next(t for t in texts if t.startswith("截至"))
    b = doc["branches"]
    assert f"{b['total']} 个机关党支部中已有 {b['paired']} 个完成对接" in summary
    assert f"开展活动 {doc['activities']['count']} 次" in summary
    assert f"{len(doc['lagging'])} 个支部列入约谈名单" in summary
    assert [t for t in texts if t][-2:] == [checked.site.settings.organization, "2017年11月24日"]  # 落款
    headers = [[c.text for c in t.rows[0].cells] for t in report.tables]
    assert ["单位", "对接", "活动", "人次", "资金与捐赠折合", "最近活动", "约谈"] in headers
    units_table = next(t for t in report.tables if t.rows[0].cells[0].text == "单位")
    assert len(units_table.rows) - 1 == len(doc["by_unit"])
    paired = [r.cells[1].text for r in units_table.rows[1:]]
    assert paired == [f"{u['paired']}/{u['branches']}" for u in doc["by_unit"]]
    assert all(t.rows[0]._tr.trPr is not None for t in report.tables)  # header rows repeat on each page


def test_files_that_are_not_the_layout_are_refused(tmp_path: Path, campaign: Path) -> None:
    old_format = tmp_path / "旧格式.xlsx"
    old_format.write_bytes(b"\xd0\xcf\x11\xe0 an .xls saved under a new name")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "活动表"
    ws.append(["随便"])
    other = wb.create_sheet("支部")
    other.append(["支部编号", "支部名称", "所属单位", "党员人数", "备注"])
    odd = tmp_path / "odd.xlsx"
    wb.save(odd)
    before = snapshot(campaign)
    with pytest.raises(ImportProblems) as caught:
        import_workbooks([old_format, odd], campaign)
    lines = caught.value.problems
    assert any(line.startswith(f"{old_format}: ") and "另存为" in line for line in lines), lines
    assert any(line.startswith(f"{odd} 活动表: 不认识这个工作表") for line in lines), lines
    assert any(line.startswith(f"{odd} 支部!E1: 不认识这一列“备注”") for line in lines), lines
    assert not any(line.startswith(f"{odd} 支部!D1") for line in lines), lines  # “党员人数” without its unit is fine
    assert snapshot(campaign) == before


@pytest.mark.e2e
def test_round_trip_through_the_command_line(tmp_path: Path, campaign: Path) -> None:
    """export → import into site.yaml + stories/ + assets/ → build gives the original build's site."""
    workbook = tmp_path / "全部.xlsx"
    target = fresh(tmp_path, campaign)
    assert main(["export", str(workbook), "--content", str(campaign)]) == 0
    assert main(["import", str(workbook), "--content", str(target)]) == 0
    assert main(["build", "--content", str(campaign), "--out", str(tmp_path / "a"), "--no-cache"]) == 0
    assert main(["build", "--content", str(target), "--out", str(tmp_path / "b"), "--no-cache"]) == 0
    first, second = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert second["internal/progress.json"] == first["internal/progress.json"]
    assert second == first


def test_control_characters_do_not_break_the_office_files(tmp_path: Path, campaign: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A stray control character: the ledgers and report drop it; export refuses and names the cell."""
    from generator.internal.internal_pages import internal_figures, office_files
    from generator.model.progress import compute_progress
    from tests import campaigns as c

    s = c.site(units=[c.unit("u1", "单位\x0b一")], branches=[c.branch("b1", "u1", secretary="张\x01书记")])
    progress = compute_progress(s)
    files = office_files(s, progress, internal_figures(s, progress))
    ledger = load_workbook(io.BytesIO(files["ledger.xlsx"]))
    assert ledger["支部台账"]["A2"].value == "单位一"
    assert "单位一" in [c.text for t in Document(io.BytesIO(files["progress-report.docx"])).tables for c in t._cells]
    branches_file = campaign / "branches" / "generated.yaml"
    branches = yaml.safe_load(branches_file.read_text(encoding="utf-8"))
    branches[0]["name"] = "支部\x0b甲"
    branches_file.write_text(yaml.safe_dump(branches, allow_unicode=True), encoding="utf-8")
    assert check_site(campaign).site.branches[0].name == "支部\x0b甲"
    assert main(["export", str(tmp_path / "x.xlsx"), "--content", str(campaign)]) == 2
    assert not (tmp_path / "x.xlsx").exists()
    assert "支部!B2: 内容里有表格无法保存的控制字符" in capsys.readouterr().err
