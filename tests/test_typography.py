"""Chinese text that gongjian writes follows GB/T 15834: full-width ，：；（）！？ in prose, no stray spaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build_site
from tests.conftest import REPO
from tests.report_campaign import write_report_campaign
from tests.typography import HALFWIDTH, scan_pages, slips, text_nodes


def test_the_scan_finds_the_slips_of_the_issue() -> None:
    page = ("<p>德州市直机关“1+1”好支部共建:截至 2017年12月15日,4 个</p><span>机关党支部完成对接(90.0%)</span>"
            "<li>主题:献爱心、送温暖</li><p>内部资料 请勿公开</p><code>文件:行号</code><p>比例 90.0%,A:B</p>")
    found = slips(text_nodes(page))
    assert any("共建:" in s for s in found) and any("日,4" in s for s in found)
    assert any("对接(90" in s for s in found) and any("主题:" in s for s in found)
    assert any("资料 请勿" in s for s in found)
    assert not any("行号" in s or "A:B" in s for s in found)  # code and Latin keep their own marks


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a generated 6-unit campaign with a published and a draft story (drafts shown); return its output."""
    root = tmp_path_factory.mktemp("typography")
    content = write_report_campaign(root, units=6)
    for slug, draft in (("story", "false"), ("draft", "true")):
        (content / "stories" / f"{slug}.md").write_text(
            f"---\ntitle: 帮扶见实效{slug}\ndate: 2017-11-01\nunit: u01\nbranches: [u01-b1]\ntags: [先进支部]\n"
            f"featured: true\ndraft: {draft}\n---\n村里修好了路。\n", encoding="utf-8")
    build_site(content, root / "site", drafts=True, search=False)
    return root / "site"


@pytest.mark.parametrize("side", ["public", "internal"])
def test_built_pages_have_no_halfwidth_marks_or_stray_spaces(generated: Path, side: str) -> None:
    folder = generated / side
    assert len(list(folder.rglob("*.html"))) >= (7 if side == "internal" else 10)  # the scan saw real pages
    assert scan_pages(folder) == {}


def test_the_example_campaign_has_no_halfwidth_marks_in_chinese(tmp_path: Path) -> None:
    """The bundled example: its story titles use a space between two headlines, so only the marks are checked here."""
    build_site(REPO / "content", tmp_path / "site", search=False, cache=False)  # no cache folder in the checkout
    marks = {}
    for side in ("public", "internal"):
        for path in sorted((tmp_path / "site" / side).rglob("*.html")):
            joined = "".join(text_nodes(path.read_text(encoding="utf-8")))
            found = [joined[max(0, m.start() - 10): m.end() + 10] for m in HALFWIDTH.finditer(joined)]
            if found:
                marks[str(path.relative_to(tmp_path / "site" / side))] = found
    assert marks == {}
