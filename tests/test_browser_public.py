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


def test_an_empty_campaign_reads_as_not_started_yet(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from generator.scaffold import init_site

    init_site(tmp_path / "new", empty=True, today=date(2024, 3, 1))
    out = tmp_path / "site"
    build_site(tmp_path / "new/content", out)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for rel, says in (("public/index.html", "共建行动于 2024年3月1日启动，各支部的对接、活动和督导情况将在这里陆续发布。"),
                      ("public/progress/index.html", "共建行动于 2024年3月1日启动"),
                      ("internal/index.html", "还没有支部记录。"),
                      ("internal/progress-report.html", "截至 2024年3月1日，还没有支部记录。")):
        page.goto((out / rel).as_uri())
        assert page.locator(".figures").count() == 0, rel
        assert says in page.locator("main").inner_text(), rel
        assert page.get_by_text(says.split("，")[0], exact=False).first.is_visible(), rel
        page.screenshot(path=str(tmp_path / (rel.replace("/", "_") + ".png")))  # looked at by hand when they change
    page.goto((out / "public/units/index.html").as_uri())
    assert page.locator("table").count() == 0 and "参与共建的单位将在这里列出。" in page.locator("main").inner_text()
    assert errors == []
    page.close()
