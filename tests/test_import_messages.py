"""Import messages speak of cells and the sheet's own conventions (顿号, units in headers), never of YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from generator.cli import main
from tests.test_import_owners import content  # noqa: F401  (the fixture: units czj and jtj, a branch each)
from tests.trees import digests


def _workbook(tmp_path: Path, content: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
              activities: list[list[object]], branches: list[list[object]] | None = None,
              villages: list[list[object]] | None = None) -> Path:
    path = tmp_path / "市财政局.xlsx"
    assert main(["template", str(path), "--unit", "czj", "--content", str(content)]) == 0
    wb = load_workbook(path)
    for name, rows in (("活动", activities), ("支部", branches or []), ("共建村", villages or [])):
        for row in rows:
            wb[name].append(row)
    wb.save(path)
    capsys.readouterr()
    return path


# 活动 columns: 编号 日期 名称 类别 主题 参与支部 共建村 党员参与人次（人次） 投入资金（元）
def test_what_staff_type_is_read_with_a_note(tmp_path: Path, content: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _workbook(tmp_path, content, capsys, activities=[
        ["hd-001", "2024-03-05", "送温暖", "主题党日", None, "czj-b01", "wanghui，dongcun", "10人", "2000元"],
        ["hd-002", "2024-03-06", "义诊", "送健康下乡", None, "czj-b01", None, "12人次", "3600元"],
    ], villages=[["wanghui", "王辉村", "北城街道办事处", "东昌府区", "设施短缺陈旧，班子软弱涣散"]])
    assert main(["import", str(path), "--content", str(content)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:6] == [
        f"  {path} 共建村!E2: 村情类别: “设施短缺陈旧，班子软弱涣散”按顿号“、”分隔读作 2 项：设施短缺陈旧、班子软弱涣散",
        f"  {path} 活动!G2: 共建村: “wanghui，dongcun”按顿号“、”分隔读作 2 项：wanghui、dongcun",
        f"  {path} 活动!H2: 党员参与人次（人次）: “10人”按 10 读入（单位与表头相同）",
        f"  {path} 活动!I2: 投入资金（元）: “2000元”按 2000 读入（单位与表头相同）",
        f"  {path} 活动!H3: 党员参与人次（人次）: “12人次”按 12 读入（单位与表头相同）",
        f"  {path} 活动!I3: 投入资金（元）: “3600元”按 3600 读入（单位与表头相同）",
    ]
    activities = yaml.safe_load((content / "activities" / "czj.yaml").read_text(encoding="utf-8"))
    assert [(a["participants"], a["funds"], a.get("villages")) for a in activities] == [
        (10, 2000, ["wanghui", "dongcun"]), (12, 3600, None)]
    villages = yaml.safe_load((content / "villages.yaml").read_text(encoding="utf-8"))
    assert villages[0]["needs"] == ["设施短缺陈旧", "班子软弱涣散"]


def test_what_cannot_be_read_is_said_in_sheet_terms(tmp_path: Path, content: Path,  # noqa: F811
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = _workbook(tmp_path, content, capsys, activities=[
        ["hd-001", "3/20", "送温暖", "主题党日", None, "市财政局机关党支部", None, 10, "2万元"],
    ], branches=[["czj-b02", "市财政局第二党支部", "市财政局", 12]])
    before = digests(content)
    assert main(["import", str(path), "--content", str(content)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{path} 支部!C3: 所属单位: “市财政局”是单位名称，这里要填单位编号；是不是 czj（市财政局）？",
        f"{path} 活动!B2: 日期: 缺少年份：“3/20”只写了月和日；请写上年份，例如 2024-03-20",
        f"{path} 活动!F2: 参与支部 第1项: “市财政局机关党支部”是支部名称，这里要填支部编号；"
        "是不是 czj-b01（市财政局机关党支部）？",
        f"{path} 活动!I2: 投入资金（元）: 应为不小于 0 的金额（元），例如 1200 或 1200.5；这里是文字“2万元”",
        "共 4 个问题，请改正表格后再导入；content/ 没有任何改动。",
    ]
    assert "[" not in err and "YAML" not in err
    assert digests(content) == before
