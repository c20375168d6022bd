"""The public site in real headless Chromium: it renders, navigates and shows the figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build_site

pytestmark = pytest.mark.browser


def test_home_renders_and_navigates(scratch, tmp_path: Path, browser, serve_folder) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    base = serve_folder(out / "public")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "2/3" in page.locator(".figures").inner_text()
    page.get_by_role("link", name="先进支部").first.click()
    page.get_by_role("link", name="义诊进村 健康到家").click()
    assert page.locator("h1").inner_text() == "义诊进村 健康到家"
    assert page.locator(".story-body strong").inner_text() == "免费查体"
    page.get_by_role("link", name="市第四人民医院").first.click()
    assert page.url.endswith("/units/hosp/")
    # the stylesheet loaded: the masthead has the brand colour
    colour = page.locator(".masthead").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(179, 38, 30)"
    assert errors == []
    page.close()


def test_internal_dashboard_opens_from_disk(scratch, tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    page = browser.new_page()
    page.goto((out / "internal/index.html").as_uri())
    assert "约谈名单" in page.locator("h2#h-lagging").inner_text()
    assert "市农科院" in page.locator("section", has=page.locator("h2#h-lagging")).inner_text()
    page.close()
