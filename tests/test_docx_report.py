"""The Word report as an office sends it up: A4, 公文-like margins, page numbers, named styles, the --since sentence,
the organisation as author; built by the real command line and read back with python-docx."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm

from tests.conftest import run_cli
from tests.report_campaign import write_report_campaign

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a 3-unit campaign with --since a week before as_of; return the .docx path."""
    root = tmp_path_factory.mktemp("docx")
    content = write_report_campaign(root, units=3)
    result = run_cli("build", "--content", str(content), "--out", str(root / "site"), "--since", "2017-11-17")
    assert result.returncode == 0, result.stderr
    return root / "site" / "internal" / "progress-report.docx"


def test_a4_with_official_margins(built: Path) -> None:
    section = Document(str(built)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert tuple(round(m.mm) for m in margins) == (37, 35, 28, 26)
    assert section.page_width != Mm(215.9)  # not US Letter


def test_footer_numbers_pages_with_fields(built: Path) -> None:
    footer = Document(str(built)).sections[0].footer
    xml = footer._element.xml
    assert re.search(r'w:instr=" PAGE "', xml) and re.search(r'w:instr=" NUMPAGES "', xml)
    # the text around the fields (python-docx leaves the fields' own text out); Word fills in the numbers
    assert footer.paragraphs[0].text == "第  页，共  页"
    assert xml.index(" PAGE ") < xml.index(" NUMPAGES ")


def test_paragraphs_use_named_styles_not_direct_formatting(built: Path) -> None:
    doc = Document(str(built))
    styles = {p.style.name for p in doc.paragraphs if p.text.strip()}
    assert {"Title", "Heading 1", "Normal"} <= styles
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == ["“1+1”好支部共建行动进展报告"]
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["一、概况", "二、主题活动"] and "约谈名单" in "".join(headings)
    assert doc.tables and all(t.style.name == "Table Grid" for t in doc.tables)
    # restyling works: no run carries its own font or size
    runs = [r for p in doc.paragraphs for r in p.runs] + [r for t in doc.tables for c in t._cells for p in c.paragraphs for r in p.runs]
    assert runs and all(r.font.size is None and r.font.name is None for r in runs)
    assert {c.paragraphs[0].style.name for t in doc.tables for c in t.rows[0].cells} == {"表格标题行"}


def test_the_since_sentence_is_there_as_in_the_html_report(built: Path) -> None:
    text = "\n".join(p.text for p in Document(str(built)).paragraphs)
    assert re.search(r"本周新增对接 \d+ 个支部、新增活动 \d+ 次，党员参与 [\d,]+ 人次，投入资金与捐赠折合 [\d,.]+ 元，督导 \d+ 次；"
                     r"约谈名单由 \d+ 个支部变为 \d+ 个。", text)
    html = re.sub(r"<[^>]+>", "", (built.parent / "progress-report.html").read_text(encoding="utf-8"))
    sentence = re.search(r"本周新增[^。]+。", text)
    assert sentence and sentence.group(0) in html


def test_properties_name_the_organisation_and_not_the_library(built: Path) -> None:
    props = Document(str(built)).core_properties
    assert props.author == props.last_modified_by == "中共某市委市直机关工委"
    assert props.title == "“1+1”好支部共建行动进展报告"
    assert props.created is not None and props.created.date().isoformat() == "2017-11-24"
    with zipfile.ZipFile(built) as z:
        for name in z.namelist():
            if name.startswith("docProps/"):
                assert b"python-docx" not in z.read(name), name
