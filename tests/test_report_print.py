"""The one-file report printed to PDF in real headless Chromium: A4, two full pages for 20 units, headers, 落款.

The PDF is read with PDFium, the engine of Chromium's own PDF viewer, so the text is what a reader gets when
copying or searching it. With Noto CJK one glyph stands for both 页 and the radical ⻚ (U+2EDA): Chromium's
ToUnicode map names the radical and an /ActualText span gives the real character, which PDFium, Poppler and
MuPDF honour and pypdf or pdfminer do not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.build import build_site
from tests.report_campaign import write_report_campaign

pytestmark = [pytest.mark.browser, pytest.mark.slow]

A4_POINTS = (595, 842)
MM = 72 / 25.4  # PDF points per millimetre


def _squeeze(text: str) -> str:
    """Drop the spaces a PDF text extractor puts between runs of text."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory, browser):  # type: ignore[no-untyped-def]
    """Build a 20-unit campaign and print its report as Chromium's print dialog would; return its pages, as PDFium reads them."""
    import pypdfium2

    root = tmp_path_factory.mktemp("report")
    build_site(write_report_campaign(root, units=20), root / "site", search=False)
    page = browser.new_page()
    page.goto((root / "site" / "internal" / "progress-report.html").as_uri())
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)  # the paper size comes from the report's CSS
    page.close()
    document = pypdfium2.PdfDocument(pdf)
    return [Printed(p.get_size(), p.get_textpage()) for p in document]


class Printed:
    """One printed page: its paper size in points and its text layer."""

    def __init__(self, size: tuple[float, float], text_page) -> None:  # type: ignore[no-untyped-def]
        self.width, self.height = size
        self.text_page = text_page

    def text(self) -> str:
        """Return the page's text as a reader copies it (all of it selected)."""
        return str(self.text_page.get_text_range()).replace("\r\n", "\n")

    def lowest_text(self) -> float:
        """Return the height above the paper's bottom edge of the lowest character outside the bottom margin."""
        bottoms = [self.text_page.get_charbox(i)[1] for i in range(self.text_page.count_chars())
                   if self.text_page.get_text_range(i, 1).strip()]
        return min(b for b in bottoms if b > 15 * MM)  # the page number sits in the bottom margin


def test_twenty_units_print_on_two_a4_pages_with_page_one_full(printed) -> None:  # type: ignore[no-untyped-def]
    assert len(printed) == 2
    for page in printed:
        assert (round(page.width), round(page.height)) == A4_POINTS
    first = printed[0]
    # page 1 is used to its foot: its last line of text is in the bottom fifth of the paper, not half way down
    assert first.lowest_text() < first.height / 5


def test_copied_text_holds_real_characters_not_radical_look_alikes(printed) -> None:  # type: ignore[no-untyped-def]
    text = "".join(p.text() for p in printed)
    assert not re.findall("[\u2e80-\u2fdf]", text)  # CJK Radicals Supplement and Kangxi Radicals
    for word in ("第1页", "工委", "11月24日", "好支部共建行动", "截至"):
        assert word in _squeeze(text)


def test_every_page_has_a_number_and_later_pages_the_issuer_and_date(printed) -> None:  # type: ignore[no-untyped-def]
    texts = [_squeeze(p.text()) for p in printed]
    for n, text in enumerate(texts, start=1):
        assert f"第{n}页，共{len(texts)}页" in text
    assert "中共某市委市直机关工委" in texts[1] and "数据截至2017年11月24日" in texts[1]
    assert "“1+1”好支部共建行动进展报告" in texts[0]


def test_a_table_that_runs_onto_the_next_page_repeats_its_headings(printed) -> None:  # type: ignore[no-untyped-def]
    first, second = (_squeeze(p.text()) for p in printed)
    assert "各单位进展" in first and "各单位进展" not in second  # the unit table starts on page 1 …
    heading = "单位对接活动人次资金与捐赠折合最近活动约谈"
    assert heading in first and heading in second  # … and its column headings come again on page 2


def test_the_report_ends_with_the_issuer_and_date(printed) -> None:  # type: ignore[no-untyped-def]
    lines = [line.strip() for line in printed[-1].text().splitlines() if line.strip()]
    body = [line for line in lines if not re.fullmatch(r"第\s*\d+\s*页，共\s*\d+\s*页", line)]
    assert [_squeeze(line) for line in body[-2:]] == ["中共某市委市直机关工委", "2017年11月24日"]


def test_units_appear_in_their_official_order(printed) -> None:  # type: ignore[no-untyped-def]
    text = "".join(_squeeze(p.text()) for p in printed)
    start = text.index("各单位进展")
    table = text[start:text.index("约谈名单", start)]
    numbers = [int(n) for n in re.findall(r"某市第(\d+)(?:局机关|人民医院)党委", table)]
    assert numbers == list(range(20, 0, -1))  # order: 20 − index, so the last written comes first


def test_the_report_stays_one_file(tmp_path: Path) -> None:
    root = tmp_path
    build_site(write_report_campaign(root, units=3), root / "site", search=False)
    html = (root / "site" / "internal" / "progress-report.html").read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)=|url\(|@import", html)
    assert "@bottom-center" in html and "@top-left" in html


REPORT_PAGES_AT_SCALE = 6  # docs/internal.md: 5 A4 pages at 12,000 activities (4 at the example city)


def test_the_report_prints_on_a_bounded_number_of_pages_at_twelve_thousand_activities(  # type: ignore[no-untyped-def]
        tmp_path: Path, browser) -> None:
    import pypdfium2

    from benchmarks.synth import write_campaign

    build_site(write_campaign(tmp_path, branches=7200, activities=12000, stories=2), tmp_path / "site", search=False)
    report = tmp_path / "site" / "internal" / "progress-report.html"
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)=|url\(|@import", html)  # still one self-contained file
    assert "lagging.html" in html and "ledger.xlsx" in html  # the full lists are pointed to, not printed
    page = browser.new_page()
    page.goto(report.as_uri())
    pdf = pypdfium2.PdfDocument(page.pdf(prefer_css_page_size=True, print_background=True))
    page.close()
    assert 2 <= len(pdf) <= REPORT_PAGES_AT_SCALE
