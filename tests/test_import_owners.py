"""An import never silently replaces another unit's record; ids can be left for the import to generate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from generator.cli import main
from tests.conftest import run_cli
from tests.trees import digests

SITE = """title: 测试市直机关共建
base_url: https://example.org/gj/
organization: 测试工委
campaign:
  name: “1+1”好支部共建行动
  start: 2024-01-01
as_of: 2024-06-30
"""
UNITS = """- id: czj
  name: 市财政局
  kind: 机关
- id: jtj
  name: 市交通局
  kind: 机关
"""
BRANCHES = """- id: czj-b01
  name: 市财政局机关党支部
  unit: czj
  members: 20
  village: wanghui
  paired_on: 2024-02-01
- id: jtj-b01
  name: 市交通局机关党支部
  unit: jtj
  members: 18
  village: dongcun
  paired_on: 2024-02-03
"""
VILLAGES = """- id: wanghui
  name: 王辉村
  town: 北城街道办事处
  county: 东昌府区
- id: dongcun
  name: 东村
  town: 金郝庄镇
  county: 临清市
"""
ACTIVITY_HEADERS = ["活动编号", "日期", "活动名称", "活动类别", "参与支部", "党员参与人次（人次）"]


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "site" / "content"
    root.mkdir(parents=True)
    for name, text in (("site.yaml", SITE), ("units.yaml", UNITS), ("branches.yaml", BRANCHES),
                       ("villages.yaml", VILLAGES)):
        (root / name).write_text(text, encoding="utf-8")
    return root


def _filled(tmp_path: Path, content: Path, unit: str, name: str, activities: list[list[object]],
            capsys: pytest.CaptureFixture[str]) -> Path:
    """Return the unit's template (made by `gongjian template --unit`) with activity rows typed in."""
    path = tmp_path / f"{name}.xlsx"
    assert main(["template", str(path), "--unit", unit, "--content", str(content)]) == 0
    wb = load_workbook(path)
    ws = wb["活动"]
    headers = [c.value for c in ws[1]]
    for row, values in enumerate(activities, start=2):
        for header, value in zip(ACTIVITY_HEADERS, values, strict=True):
            ws.cell(row=row, column=headers.index(header) + 1, value=value)
    wb.save(path)
    capsys.readouterr()
    return path


def test_two_units_using_one_activity_id_is_refused_naming_both(tmp_path: Path, content: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    czj = _filled(tmp_path, content, "czj", "市财政局", [["hd-001", "2024-03-05", "送温暖", "主题党日", "czj-b01", 12]], capsys)
    jtj = _filled(tmp_path, content, "jtj", "市交通局", [["hd-001", "2024-03-08", "修路", "美丽乡村", "jtj-b01", 9]], capsys)
    assert main(["import", str(czj), "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert "活动：新增 1、更新 0、未变 0" in out
    before = digests(content)

    refused = run_cli("import", str(jtj), "--content", str(content))  # as staff run it: a process of its own
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"{jtj} 活动!A2: 活动编号: 编号“hd-001”已被另一个单位的活动使用：content/activities/czj.yaml:2"
        "（czj 的活动“送温暖”）；这一行是 jtj 的活动，导入会替换掉原来的记录，所以没有导入。"
        "请给这一行换一个编号（活动编号留空则自动生成）；确实要替换时，加 --replace 再导入一次",
        "共 1 个问题，请改正表格后再导入；content/ 没有任何改动。",
    ]
    assert digests(content) == before

    # The same unit updating its own record is an update, as before.
    wb = load_workbook(czj)
    wb["活动"]["H2"] = 15  # 党员参与人次（人次）
    wb.save(czj)
    assert main(["import", str(czj), "--content", str(content)]) == 0
    assert "活动：新增 0、更新 1、未变 0" in capsys.readouterr().out

    # --replace says what it replaced, and the record moves to its new unit's file.
    assert main(["import", str(jtj), "--replace", "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert (f"  已替换 content/activities/czj.yaml:2（czj 的活动“送温暖”）：换成了 {jtj} 活动!A2 这一行"
            "（jtj 的活动）") in out
    assert yaml.safe_load((content / "activities" / "czj.yaml").read_text(encoding="utf-8")) in (None, [])
    moved = yaml.safe_load((content / "activities" / "jtj.yaml").read_text(encoding="utf-8"))
    assert [(a["id"], a["title"]) for a in moved] == [("hd-001", "修路")]
    assert main(["check", "--content", str(content)]) == 0


def test_a_branch_or_village_of_another_unit_is_refused(tmp_path: Path, content: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "市交通局.xlsx"
    assert main(["template", str(path), "--unit", "jtj", "--content", str(content)]) == 0
    wb = load_workbook(path)
    ws = wb["支部"]
    ws.append(["czj-b01", "交通局第二党支部", "jtj", 7])  # another unit's branch id
    villages = wb["共建村"]
    villages.append(["wanghui", "王辉新村", "北城街道办事处", "东昌府区"])  # czj's village, renamed by jtj
    wb.save(path)
    capsys.readouterr()
    before = digests(content)
    assert main(["import", str(path), "--content", str(content)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        f"{path} 支部!A3: 支部编号: 编号“czj-b01”已被另一个单位的支部使用：content/branches.yaml:1"
        "（czj 的支部“市财政局机关党支部”）；这一行是 jtj 的支部，导入会替换掉原来的记录，所以没有导入。"
        "请给这一行换一个编号；确实要替换时，加 --replace 再导入一次",
        f"{path} 共建村!A2: 村编号: 编号“wanghui”已被另一个单位的共建村使用：content/villages.yaml:1"
        "（czj 的共建村“王辉村”）；这一行是 jtj 的共建村，导入会替换掉原来的记录，所以没有导入。"
        "请给这一行换一个编号；确实要替换时，加 --replace 再导入一次",
    ]
    assert digests(content) == before


def test_empty_activity_ids_are_generated_and_stable(tmp_path: Path, content: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[list[object]] = [[None, "2024-03-05", "送温暖", "主题党日", "czj-b01", 12],
                                [None, "2024-03-05", "义诊", "送健康下乡", "czj-b01", 6]]
    czj = _filled(tmp_path, content, "czj", "市财政局", rows, capsys)
    assert main(["import", str(czj), "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert f"  {czj} 活动!A2: 活动编号留空，已生成编号 czj-20240305-1；可以把它填进表格，以后更新这次活动" in out
    assert f"  {czj} 活动!A3: 活动编号留空，已生成编号 czj-20240305-2；" in out
    records = yaml.safe_load((content / "activities" / "czj.yaml").read_text(encoding="utf-8"))
    assert [(a["id"], a["title"]) for a in records] == [("czj-20240305-1", "送温暖"), ("czj-20240305-2", "义诊")]
    before = digests(content)
    # The same workbook again: the rows find their activities (same unit, date and title), nothing is added.
    assert main(["import", str(czj), "--content", str(content)]) == 0
    assert "活动：新增 0、更新 0、未变 2" in capsys.readouterr().out
    assert digests(content) == before
