"""The internal pages in real headless Chromium, opened from disk as staff open them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.build import build_site
from tests.test_browser_publish import axe_script  # noqa: F401  (the fixture: axe-core pinned by tests/js)

pytestmark = pytest.mark.browser


@pytest.fixture
def internal(scratch, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    return out / "internal"


def test_report_makes_no_request_outside_the_file(internal: Path, browser) -> None:  # type: ignore[no-untyped-def]
    report = internal / "progress-report.html"
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)=|url\(|@import", html)
    context = browser.new_context()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.goto(report.as_uri())
    page.wait_for_load_state("networkidle")
    assert requests == [report.as_uri()]
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0
    # the charts are there and drawn: inline SVG with a size
    boxes = page.locator("figure.chart-box svg").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert len(boxes) >= 3 and all(h > 10 for h in boxes)
    context.close()


def test_report_reads_on_a_phone_and_prints_on_a4(internal: Path, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto((internal / "progress-report.html").as_uri())
    # nothing but the wide tables (which scroll inside their box) is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('svg.bars text')).fontSize)")
    assert font >= 12
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2
    page.close()


def test_internal_pages_open_from_disk_and_tables_sort(internal: Path, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((internal / "ledger-branches.html").as_uri())
    page.wait_for_selector("html[data-grid=ready]")
    names = page.locator("table.grid-table tbody tr td:nth-child(2)")
    assert names.all_inner_texts() == ["市农科院机关党支部", "市第四人民医院第一党支部", "市第四人民医院第二党支部"]
    header = page.locator("table.grid-table thead th", has_text="党员人次")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    people = page.locator("table.grid-table tbody tr td:nth-child(8)").all_inner_texts()
    assert people == sorted(people, key=int)
    header.locator("button").click()
    assert page.locator("table.grid-table tbody tr td:nth-child(8)").all_inner_texts() == sorted(people, key=int,
                                                                                                reverse=True)
    page.locator("header.bar a", has_text="约谈名单").click()
    page.wait_for_url("**/internal/lagging.html")
    page.wait_for_selector("html[data-grid=ready]")
    assert "尚未对接" in page.locator("table.grid-table").inner_text()
    assert errors == []
    page.close()


def test_without_javascript_pages_give_a_summary_and_say_where_the_rows_are(internal: Path, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((internal / "ledger-units.html").as_uri())
    assert page.locator("table.grid-table").is_hidden()  # an empty grid is not shown
    assert "data/" in page.locator("main").inner_text() and "ledger.xlsx" in page.locator("main").inner_text()
    page.goto((internal / "units" / "hosp.html").as_uri())
    assert page.locator("table.sortable").first.locator("tbody tr").count() == 2  # the unit's page is plain HTML
    assert page.locator("th button").count() == 0  # plain headings, nothing broken
    context.close()


@pytest.mark.parametrize("page_name", ["index.html", "progress-report.html", "ledger-branches.html", "lagging.html",
                                       "inspections.html", "activities.html", "ledger-units.html", "units/hosp.html",
                                       "units/index.html"])
@pytest.mark.parametrize("width", [390, 1280])
def test_no_serious_accessibility_violations(internal: Path, browser, axe_script: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                             page_name: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((internal / page_name).as_uri())
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"""
    )
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []
    page.close()
