"""Broken and hostile .xlsx files get `文件: 问题` in Chinese, exit 1 and no change to content/, never a traceback."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from generator.cli import main
from tests.markers import write_campaign
from tests.trees import digests

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = "xl/worksheets/sheet1.xml"
LOL = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
       + b"".join(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10))
       + b"]><worksheet " + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
       b"</sheetData></worksheet>")


def _rows(rows: list[int], dimension: str = "") -> bytes:
    cells = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>hd-001</t></is></c></row>' % (r, r) for r in rows)
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + NS + b">" + dim + b"<sheetData>" + cells + \
        b"</sheetData></worksheet>"


def _variant(base: Path, out: Path, part: str, change: Callable[[bytes], bytes]) -> None:
    """Write a copy of the workbook `base` with one part changed (the sheet XML written by hand, not a GB of rows)."""
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == part else data)


def _make(kind: str, tmp_path: Path) -> Path:
    base = tmp_path / "base.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "活动"
    ws.append(["活动编号"])
    wb.save(base)
    out = tmp_path / f"{kind}.xlsx"
    if kind == "malformed":
        _variant(base, out, SHEET, lambda data: data[: len(data) // 2])
    elif kind == "bomb":
        _variant(base, out, SHEET, lambda _: LOL)
    elif kind == "bomb-in-strings":
        _variant(base, out, "[Content_Types].xml", lambda _: LOL.replace(b"worksheet", b"Types"))
    elif kind == "rows-declared":
        _variant(base, out, SHEET, lambda _: _rows([1], "A1:A1048577"))
    elif kind == "rows-actual":
        _variant(base, out, SHEET, lambda _: _rows([1, 1048577]))
    elif kind == "not-zip":
        out.write_bytes("活动编号,日期\nhd-001,2024-03-05\n".encode())
    elif kind == "zip-not-workbook":
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("报表/说明.txt", "不是表格")
    elif kind == "encrypted":  # how Office stores a password-protected .xlsx: an OLE file with EncryptionInfo
        out.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + "EncryptionInfo".encode("utf-16-le")
                        + bytes(512) + "EncryptedPackage".encode("utf-16-le"))
    elif kind == "xls":
        out.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + "Workbook".encode("utf-16-le"))
    return out


CASES = {
    "malformed": "表格文件已损坏（里面的 XML 不完整或格式错误），无法读取；请在 Excel 或 WPS 里打开它，"
                 "用“另存为”选择“Excel 工作簿(*.xlsx)”后再导入",
    "bomb": "表格文件里有 XML 实体定义（DOCTYPE），正常的表格不会有；这可能是恶意构造的文件，出于安全考虑不读取"
            "（xl/worksheets/sheet1.xml）；请向发来表格的人核实",
    "bomb-in-strings": "表格文件里有 XML 实体定义（DOCTYPE），正常的表格不会有；这可能是恶意构造的文件，"
                       "出于安全考虑不读取（[Content_Types].xml）；请向发来表格的人核实",
    "rows-declared": "表格里有一张工作表声明的行数超过了 Excel 的上限 1,048,576 行（xl/worksheets/sheet1.xml）；"
                     "这不是正常保存的表格，请检查后重新保存",
    "rows-actual": "工作表“活动”超过了 Excel 的上限 1,048,576 行（到第 1,048,577 行）；请检查后重新保存",
    "not-zip": "这个文件不是 .xlsx 格式的表格；请在 Excel 或 WPS 里打开它，用“另存为”选择“Excel 工作簿(*.xlsx)”后再导入",
    "zip-not-workbook": "这是一个压缩文件，但不是 Excel 表格（里面没有工作簿）；请在 Excel 或 WPS 里打开它，"
                        "用“另存为”选择“Excel 工作簿(*.xlsx)”后再导入",
    "encrypted": "这个表格设了打开密码（已加密），无法读取；请在 Excel 或 WPS 里打开它，取消密码"
                 "（Excel：文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码），保存后再导入",
    "xls": "这是旧版 .xls 格式的表格，不能直接导入；请在 Excel 或 WPS 里打开它，用“另存为”选择“Excel 工作簿(*.xlsx)”后再导入",
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_broken_or_hostile_workbook_gets_a_message(kind: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    content = write_campaign(tmp_path / "site", units=1, branches_per_unit=1, activities_per_branch=1)
    before = digests(content)
    workbook = _make(kind, tmp_path)
    assert main(["import", str(workbook), "--content", str(content)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"{workbook}: {CASES[kind]}", "共 1 个问题，请改正表格后再导入；content/ 没有任何改动。"]
    assert "Traceback" not in err
    assert digests(content) == before
