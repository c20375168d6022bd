"""The one-file report printed to PDF in real headless Chromium: A4, two full pages for 20 units, headers, 落款."""

from __future__ import annotations

import io
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
    """Build a 20-unit campaign and print its report as Chromium's print dialog would; return the pypdf reader."""
    from pypdf import PdfReader

    root = tmp_path_factory.mktemp("report")
    build_site(write_report_campaign(root, units=20), root / "site", search=False)
    page = browser.new_page()
    page.goto((root / "site" / "internal" / "progress-report.html").as_uri())
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)  # the paper size comes from the report's CSS
    page.close()
    return PdfReader(io.BytesIO(pdf))


def _lowest_text(page) -> float:  # type: ignore[no-untyped-def]
    """Return the height above the paper's bottom edge of the lowest line of text outside the bottom margin."""
    heights: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > 15 * MM:  # the page number sits in the bottom margin
            heights.append(y)

    page.extract_text(visitor_text=visit)
    return min(heights)


def test_twenty_units_print_on_two_a4_pages_with_page_one_full(printed) -> None:  # type: ignore[no-untyped-def]
    assert len(printed.pages) == 2
    for page in printed.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS
    first = printed.pages[0]
    # page 1 is used to its foot: its last line of text is in the bottom fifth of the paper, not half way down
    assert _lowest_text(first) < float(first.mediabox.height) / 5


def test_every_page_has_a_number_and_later_pages_the_issuer_and_date(printed) -> None:  # type: ignore[no-untyped-def]
    texts = [_squeeze(p.extract_text()) for p in printed.pages]
    for n, text in enumerate(texts, start=1):
        assert f"第{n}页，共{len(texts)}页" in text
    assert "中共某市委市直机关工委" in texts[1] and "数据截至2017年11月24日" in texts[1]
    assert "“1+1”好支部共建行动进展报告" in texts[0]


def test_a_table_that_runs_onto_the_next_page_repeats_its_headings(printed) -> None:  # type: ignore[no-untyped-def]
    first, second = (_squeeze(p.extract_text()) for p in printed.pages)
    assert "各单位进展" in first and "各单位进展" not in second  # the unit table starts on page 1 …
    heading = "单位对接活动人次资金与捐赠折合最近活动约谈"
    assert heading in first and heading in second  # … and its column headings come again on page 2


def test_the_report_ends_with_the_issuer_and_date(printed) -> None:  # type: ignore[no-untyped-def]
    lines = [line.strip() for line in printed.pages[-1].extract_text().splitlines() if line.strip()]
    body = [line for line in lines if not re.fullmatch(r"第\s*\d+\s*页，共\s*\d+\s*页", line)]
    assert [_squeeze(line) for line in body[-2:]] == ["中共某市委市直机关工委", "2017年11月24日"]


def test_units_appear_in_their_official_order(printed) -> None:  # type: ignore[no-untyped-def]
    text = "".join(_squeeze(p.extract_text()) for p in printed.pages)
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
    from pypdf import PdfReader

    from benchmarks.synth import write_campaign

    build_site(write_campaign(tmp_path, branches=7200, activities=12000, stories=2), tmp_path / "site", search=False)
    report = tmp_path / "site" / "internal" / "progress-report.html"
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)=|url\(|@import", html)  # still one self-contained file
    assert "lagging.html" in html and "ledger.xlsx" in html  # the full lists are pointed to, not printed
    page = browser.new_page()
    page.goto(report.as_uri())
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    page.close()
    assert 2 <= len(pdf.pages) <= REPORT_PAGES_AT_SCALE
