"""The ledger grids in real headless Chromium from file://, on a generated campaign: filter, find, sort, download.

The rows the page shows and downloads are checked against progress.json and the full CSV that Python writes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synth import write_campaign
from generator.build import build_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def internal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("grid")
    build_site(write_campaign(root, branches=80, activities=300, stories=2), root / "site", search=False)
    return root / "site" / "internal"


@pytest.fixture(scope="module")
def progress(internal: Path) -> dict[str, Any]:
    return json.loads((internal / "progress.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese intact
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _download(page) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        page.locator("button.grid-csv").click()
    return _csv(Path(info.value.path()).read_bytes())


def _open(browser, internal: Path, name: str, hash_: str = ""):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((internal / name).as_uri() + hash_)
    page.wait_for_selector("html[data-grid=ready]")
    return page, errors


def _status(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".grid-status").inner_text()  # type: ignore[no-any-return]


def test_branch_ledger_filters_by_unit_downloads_those_rows_and_keeps_the_filter_in_the_address(
        internal: Path, progress: dict[str, Any], browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = _open(browser, internal, "ledger-branches.html")
    assert _status(page).startswith(f"共 {progress['branches']['total']} 个支部")
    unit = progress["by_unit"][3]
    page.locator("select[name=unit]").select_option(unit["unit"])
    assert _status(page).startswith(f"筛选出 {unit['branches']} 个支部")
    assert f"unit={unit['unit']}" in page.url
    rows = _download(page)
    full = [r for r in _csv((internal / "ledger-branches.csv").read_bytes()) if r["单位"] == rows[0]["单位"]]
    keys = ("支部编号", "支部名称", "活动次数", "党员参与人次", "联系电话")
    assert [{k: r[k] for k in keys} for r in rows] == [{k: r[k] for k in keys} for r in full]
    assert len(rows) == unit["branches"] and sum(1 for r in rows if r["对接日期"]) == unit["paired"]
    # the totals row follows the filter
    foot = page.locator("table.grid-table tfoot td").all_inner_texts()
    assert foot[0] == f"合计（{unit['branches']} 条）"
    assert foot[7] == f"{sum(int(r['党员参与人次']) for r in rows):,}"
    # the address, sent to a colleague, opens the same rows
    again, _ = _open(browser, internal, "ledger-branches.html", "#" + page.url.split("#", 1)[1])
    assert _status(again) == _status(page)
    assert again.locator("select[name=unit]").input_value() == unit["unit"]
    again.close()
    assert errors == []
    page.close()


def test_find_a_branch_and_follow_its_row_to_the_units_page(internal: Path, browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = _open(browser, internal, "ledger-branches.html")
    full = _csv((internal / "ledger-branches.csv").read_bytes())
    target = full[17]
    page.locator("input[name=q]").fill(target["支部名称"])
    page.wait_for_function("document.querySelector('.grid-status').textContent.startsWith('筛选出')")
    names = page.locator("table.grid-table tbody td:nth-child(2)").all_inner_texts()
    assert names == [r["支部名称"] for r in full if target["支部名称"] in r["支部名称"]]
    link = page.locator("table.grid-table tbody td:nth-child(2) a").first
    link.click()
    branch_id = target["支部编号"].strip('="')
    page.wait_for_url(f"**/units/*.html#b-{branch_id}")
    assert page.url.endswith(f"#b-{branch_id}") and "/units/" in page.url
    assert target["支部名称"] in page.locator(f"[id='b-{branch_id}']").inner_text()
    assert errors == []
    page.close()


def test_sort_by_a_column_with_the_keyboard(internal: Path, browser) -> None:  # type: ignore[no-untyped-def]
    page, _ = _open(browser, internal, "ledger-branches.html")
    header = page.locator("table.grid-table thead th", has_text="党员人次")
    header.locator("button").focus()
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "ascending"
    people = [int(t.replace(",", "")) for t in page.locator("table.grid-table tbody td:nth-child(8)").all_inner_texts()]
    assert people == sorted(people) and len(people) == 80
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    down = [int(t.replace(",", "")) for t in page.locator("table.grid-table tbody td:nth-child(8)").all_inner_texts()]
    assert down == sorted(people, reverse=True)
    assert "sort=participants" in page.url and "dir=desc" in page.url
    page.close()


def test_activities_filter_by_unit_kind_and_dates(internal: Path, progress: dict[str, Any], browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = _open(browser, internal, "activities.html")
    assert _status(page).startswith(f"共 {progress['activities']['count']} 次活动，第 1/3 页")
    unit = progress["by_unit"][0]
    page.locator("select[name=unit]").select_option(unit["unit"])
    assert _status(page).startswith(f"筛选出 {unit['activities']} 次活动")
    rows = _download(page)
    assert len(rows) == unit["activities"]
    assert sum(int(r["党员参与人次"]) for r in rows) == unit["participants"]
    assert round(sum(float(r["合计（元）"]) for r in rows), 2) == unit["total_value"]
    page.locator("button.grid-reset").click()
    assert _status(page).startswith("共 ")
    kind = page.locator("select[name=kind] option").nth(1).get_attribute("value")
    page.locator("select[name=kind]").select_option(kind)
    page.locator("input[name=from]").fill("2019-01-01")
    page.locator("input[name=to]").fill("2019-03-31")
    page.locator("input[name=to]").dispatch_event("change")
    page.locator("input[name=from]").dispatch_event("change")
    rows = _download(page)
    assert rows and all(r["类型"] == kind and "2019-01-01" <= r["日期"] <= "2019-03-31" for r in rows)
    assert _status(page).startswith(f"筛选出 {len(rows)} 次活动")
    assert "from=2019-01-01" in page.url and "to=2019-03-31" in page.url
    assert errors == []
    page.close()


def test_lagging_list_by_unit_and_reason_matches_progress_json(internal: Path, progress: dict[str, Any], browser) -> None:  # type: ignore[no-untyped-def]
    unit_of = {r["支部编号"].strip('="'): r["单位"] for r in _csv((internal / "ledger-branches.csv").read_bytes())}
    page, errors = _open(browser, internal, "lagging.html")
    assert _status(page).startswith(f"共 {len(progress['lagging'])} 个支部")
    page.locator("select[name=reason]").select_option("inactive")
    rows = _download(page)
    expected = sorted(e["branch"] for e in progress["lagging"] if e["reason"] == "inactive")
    assert sorted(r["支部编号"].strip('="') for r in rows) == expected
    name = unit_of[expected[0]]
    value = page.locator("select[name=unit] option", has_text=name).first.get_attribute("value")
    page.locator("select[name=unit]").select_option(value)
    rows = _download(page)
    assert sorted(r["支部编号"].strip('="') for r in rows) == [b for b in expected if unit_of[b] == name]
    assert errors == []
    page.close()


def test_unit_ledger_totals_match_progress_json(internal: Path, progress: dict[str, Any], browser) -> None:  # type: ignore[no-untyped-def]
    page, _ = _open(browser, internal, "ledger-units.html")
    foot = page.locator("table.grid-table tfoot td").all_inner_texts()
    assert foot[2] == f"{progress['branches']['total']:,}" and foot[3] == f"{progress['branches']['paired']:,}"
    rows = _download(page)
    assert sorted(r["单位编号"].strip('="') for r in rows) == [u["unit"] for u in progress["by_unit"]]  # id order
    by_id = {u["unit"]: u for u in progress["by_unit"]}
    for r in rows:
        u = by_id[r["单位编号"].strip('="')]
        assert (int(r["支部数"]), int(r["活动次数"]), int(r["党员参与人次"])) == \
            (u["branches"], u["activities"], u["participants"])
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_branch_ledger_fits_its_columns_and_the_page_its_width(internal: Path, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((internal / "ledger-branches.html").as_uri())
    page.wait_for_selector("html[data-grid=ready]")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # only the table scrolls, in its box
    if width == 1280:  # the 约谈 column is on screen, not cut off
        box = page.locator("table.grid-table thead th", has_text="约谈").bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
    page.close()


def test_an_anchor_in_the_address_is_left_alone_and_a_theme_link_filters(internal: Path, browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = _open(browser, internal, "activities.html", "#donations")
    assert page.url.endswith("#donations") and page.evaluate("window.scrollY") > 0
    link = page.locator("tr[id^=theme-] a").first
    theme = link.inner_text()
    link.click()
    page.wait_for_function("document.querySelector('.grid-status').textContent.startsWith('筛选出')")
    assert page.locator("select[name=theme]").input_value() == theme
    rows = _download(page)
    assert rows and all(r["主题"] == theme for r in rows)
    assert errors == []
    page.close()
