"""Figures as a leader reads them: no empty 督导 sentence, small sums in 元, towns and villages not as a fraction,
weekly chart labels that do not run together, sums that stay on one line."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.report_campaign import write_report_campaign

pytestmark = [pytest.mark.e2e]


def _build(content: Path, out: Path) -> None:
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One unit, two branches, no inspections: a few thousand 元 in all."""
    root = tmp_path_factory.mktemp("small")
    content = write_report_campaign(root, units=1, branches_per_unit=2)
    (content / "inspections.yaml").write_text("[]\n", encoding="utf-8")
    _build(content, root / "site")
    return root / "site"


@pytest.fixture(scope="module")
def long_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three units over 18 weeks, with inspections."""
    root = tmp_path_factory.mktemp("long")
    content = write_report_campaign(root, units=3)
    site = yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8"))
    site["campaign"]["start"] = "2017-07-24"
    (content / "site.yaml").write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    activities = yaml.safe_load((content / "activities.yaml").read_text(encoding="utf-8"))
    # 100 to 117 activities each week from the start: 18 columns with three-digit values
    activities += [{"id": f"weekly-{week}-{k}", "date": (date(2017, 7, 24) + timedelta(weeks=week)).isoformat(),
                    "title": f"第{week + 1}周活动", "kind": "主题党日", "branches": ["u01-b1"], "villages": ["v001"],
                    "participants": 10} for week in range(18) for k in range(100 + week)]
    (content / "activities.yaml").write_text(yaml.safe_dump(activities, allow_unicode=True), encoding="utf-8")
    _build(content, root / "site")
    return root / "site"


def _text(path: Path) -> str:
    return re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))


def test_no_inspections_no_empty_inspection_sentence_on_the_public_site(small: Path) -> None:
    text = _text(small / "public" / "progress" / "index.html")
    assert "个督导组" not in text and "深入 0 个乡镇" not in text and "接受督导" not in text
    assert "对接" in text  # the page itself is there


def test_sums_below_ten_thousand_are_in_yuan_everywhere(small: Path) -> None:
    pages = [p for p in small.rglob("*.html")]
    assert pages
    for page in pages:
        text = _text(page)
        assert not re.search(r"\b0\.\d+ 万元", text), page
    report = _text(small / "internal" / "progress-report.html")
    assert re.search(r"投入资金与捐赠折合 \d,\d{3} 元", report)


def test_towns_and_villages_read_as_counts_not_a_fraction(long_campaign: Path) -> None:
    report = _text(long_campaign / "internal" / "progress-report.html")
    assert "督导到的乡镇/村" not in report
    assert re.search(r"\d+\s*个村督导到（\d+ 个乡镇）", report)


@pytest.mark.browser
def test_weekly_chart_labels_do_not_run_together_with_18_weeks(long_campaign: Path, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto((long_campaign / "internal" / "index.html").as_uri())
    boxes = page.eval_on_selector_all(
        "section[aria-labelledby=h-weekly] svg text",
        "els => els.filter(e => e.textContent.trim()).map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.top, r.right, r.bottom]; })")
    page.close()
    assert len([b for b in boxes if re.fullmatch(r"\d+月\d+日|\d+/\d+", b[0].strip())]) >= 3  # the x labels are there
    overlaps = [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5 and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5]
    assert not overlaps


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_sums_in_the_report_stay_on_one_line(long_campaign: Path, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((long_campaign / "internal" / "progress-report.html").as_uri())
    lines = page.eval_on_selector_all(
        "td.num", "els => els.filter(e => e.textContent.trim()).map(e => { const r = document.createRange();"
        " r.selectNodeContents(e); return [e.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })")
    page.close()
    assert any("元" in t for t, _ in lines)
    assert [t for t, n in lines if n > 1] == []
