"""`gongjian import 事迹材料.docx` through the real command line: a Word story becomes a draft that builds,
its pictures published as clean copies; bad files are refused with a plain message and nothing is written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from PIL import Image

from tests.conftest import run_cli


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (0, 128, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (36.0, 27.0, 1.5)
    buffer = io.BytesIO()
    Image.new("RGB", (160, 90), (200, 60, 40)).save(buffer, "JPEG", exif=exif)
    assert b"SecretPhone" in buffer.getvalue()
    return buffer.getvalue()


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "义诊进村暖民心"
    document.add_heading("义诊进村暖民心", level=1)
    paragraph = document.add_paragraph("市第四人民医院第一党支部")
    paragraph.add_run("坚持每月义诊").bold = True
    paragraph.add_run("，群众").italic = True
    document.add_heading("主要做法", level=2)
    document.add_paragraph("免费测血压", style="List Bullet")
    document.add_paragraph("送药上门", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ("项目", "人次", "义诊", "120"), strict=True):
        cell.text = text
    document.add_picture(io.BytesIO(_png()))
    document.add_picture(io.BytesIO(_jpeg_with_gps()))
    document.save(str(path))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_word_story_imports_to_a_draft_that_builds_with_clean_pictures(scratch: Callable[..., Path],
                                                                        tmp_path: Path) -> None:
    content = scratch()
    word = tmp_path / "事迹材料.docx"
    make_docx(word)
    done = run_cli("import", str(word), "--content", str(content), "--branch", "hosp-b1")
    assert done.returncode == 0, done.stderr
    story = content / "stories/yi-zhen-jin-cun-nuan-min-xin.md"
    text = story.read_text(encoding="utf-8")
    assert "title: 义诊进村暖民心" in text and "draft: true" in text and "branches: [hosp-b1]" in text
    assert "cover: stories/yi-zhen-jin-cun-nuan-min-xin-1.jpg" in text
    assert "## 主要做法" in text and "**坚持每月义诊**" in text
    assert "- 免费测血压" in text and "| 项目 | 人次 |" in text and "| 义诊 | 120 |" in text
    assert "![](asset:stories/yi-zhen-jin-cun-nuan-min-xin-2.jpg)" in text
    assert "# 义诊进村暖民心" not in text  # the title is not repeated as a heading
    for n in (1, 2):
        assert b"SecretPhone" not in (content / f"assets/stories/yi-zhen-jin-cun-nuan-min-xin-{n}.jpg").read_bytes()
    checked = run_cli("check", "--content", str(content))
    assert checked.returncode == 0, checked.stderr
    assert ("stories/yi-zhen-jin-cun-nuan-min-xin.md:11: front matter: 待填写（gongjian import 导入时没有给出）："
            "date（日期，暂填导入这天）、unit（单位编号）；请填好后删去这段提示") in checked.stderr
    out = tmp_path / "site"
    built = run_cli("build", "--drafts", "--content", str(content), "--out", str(out))
    assert built.returncode == 0, built.stderr
    page = (out / "public/stories/yi-zhen-jin-cun-nuan-min-xin/index.html").read_text(encoding="utf-8")
    assert "<table>" in page and "<th>项目</th>" in page and "<td>120</td>" in page and "主要做法</h2>" in page
    assert "<strong>坚持每月义诊</strong>" in page and "<em>，群众</em>" in page and "<li>送药上门</li>" in page
    copies = list((out / "public/images").glob("stories-yi-zhen-*"))
    assert len(copies) >= 2
    for copy in copies:
        with Image.open(copy) as image:
            assert not image.getexif() and b"SecretPhone" not in copy.read_bytes()
    again = run_cli("import", str(word), "--content", str(content))
    assert again.returncode == 1
    assert f"{word}: {story} 已经存在，为免覆盖没有导入；请先改名或删去它" in again.stderr


SAVE_AS = "请用 Word 或 WPS 打开它，选“文件 → 另存为”，保存类型选“Word 文档（*.docx）”，再导入另存的文件"


def _zip_without_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("旧.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, f"这是旧的 .doc 格式，不能直接导入；{SAVE_AS}"),
    ("金山.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, f"这是旧的 .wps 格式，不能直接导入；{SAVE_AS}"),
    ("空.docx", b"", "文件是空的（0 字节）；请重新保存或重新接收这个文件"),
    ("加密.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
     f"文件设置了打开密码（已加密），或其实是旧的 .doc 格式；请先去掉密码（Word：“文件 → 信息 → 保护文档”），{SAVE_AS}"),
    ("不是.docx", "这是一段文字".encode(), f"不是 Word 文档（.docx），文件可能已损坏；{SAVE_AS}"),
    ("表格.docx", _zip_without_document(), f"是压缩包，但里面没有 Word 正文（word/document.xml），不是 Word 文档；{SAVE_AS}"),
])
def test_bad_files_are_refused_and_nothing_is_written(scratch: Callable[..., Path], tmp_path: Path,
                                                       name: str, data: bytes, message: str) -> None:
    content = scratch()
    good = tmp_path / "好.docx"
    make_docx(good)
    bad = tmp_path / name
    bad.write_bytes(data)
    before = _tree(content)
    done = run_cli("import", str(good), str(bad), "--content", str(content))
    assert done.returncode == 1
    assert done.stderr.strip() == f"{bad}: {message}"
    assert _tree(content) == before


def test_an_unknown_branch_or_unit_is_refused_before_anything_is_written(scratch: Callable[..., Path],
                                                                       tmp_path: Path) -> None:
    content = scratch()
    word = tmp_path / "事迹材料.docx"
    make_docx(word)
    before = _tree(content)
    done = run_cli("import", str(word), "--content", str(content), "--branch", "nosuch")
    assert done.returncode == 2
    assert done.stderr.strip() == "找不到支部“nosuch”；--branch 请写 branches 里已有的支部编号"
    done = run_cli("import", str(word), "--content", str(content), "--unit", "nosuch")
    assert done.stderr.strip() == "找不到单位“nosuch”；--unit 请写 units 里已有的单位编号"
    assert _tree(content) == before


def test_a_package_without_its_properties_part_takes_the_title_from_the_first_heading(scratch: Callable[..., Path],
                                                                                     tmp_path: Path) -> None:
    # Other editors may leave out docProps/core.xml while its relationship stays (python-docx then fails).
    content = scratch()
    full, word = tmp_path / "full.docx", tmp_path / "事迹材料.docx"
    make_docx(full)
    with zipfile.ZipFile(full) as source, zipfile.ZipFile(word, "w") as target:
        for item in source.infolist():
            if item.filename != "docProps/core.xml":
                target.writestr(item, source.read(item))
    done = run_cli("import", str(word), "--content", str(content), "--date", "2017-11-20")
    assert done.returncode == 0, done.stderr
    text = (content / "stories/yi-zhen-jin-cun-nuan-min-xin.md").read_text(encoding="utf-8")
    assert "title: 义诊进村暖民心" in text and "date: 2017-11-20" in text and "**坚持每月义诊**" in text
