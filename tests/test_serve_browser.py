"""`gongjian serve` in real headless Chromium: pages follow saves by themselves; the test never reloads."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.preview_server import PreviewServer, preview, save

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

STORY = "stories/wanghui-health.md"
STORY_PAGE = "stories/wanghui-health/"
WAIT_MS = 60_000  # a guard against a hung preview, not a speed requirement
STORY_TEXT = "---\ntitle: 义诊进村 健康到家\ndate: 2017-10-25\nunit: hosp\n---\n{body}\n"


@pytest.fixture
def site(scratch) -> Iterator[tuple[Path, PreviewServer]]:  # type: ignore[no-untyped-def]
    """A scratch site and its running preview."""
    content = scratch()
    with preview(content) as server:
        yield content, server


@pytest.fixture
def page(browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """A fresh tab that collects script errors."""
    tab = browser.new_page()
    tab.errors = []  # type: ignore[attr-defined]
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))  # type: ignore[attr-defined]
    yield tab
    tab.close()


def open_live(page: Page, url: str) -> None:
    """Open a preview page and wait until its live-reload socket has shaken hands."""
    page.goto(url)
    page.wait_for_function("window.LiveReload && window.LiveReload.connector.protocol >= 7", timeout=WAIT_MS)
    page.evaluate("window.__same_page = true")


def reloaded(page: Page) -> bool:
    """Tell whether the tab has loaded a new document since open_live."""
    return bool(page.evaluate("window.__same_page !== true"))


def test_story_follows_its_markdown_file(site, page: Page) -> None:  # type: ignore[no-untyped-def]
    content, server = site
    open_live(page, server.url + STORY_PAGE)
    expect(page.locator("h1")).to_have_text("义诊进村 健康到家")
    save(content / STORY, STORY_TEXT.format(body="医生们今天又来了。"))
    expect(page.locator(".story-body")).to_contain_text("医生们今天又来了。", timeout=WAIT_MS)
    assert reloaded(page)
    assert page.errors == []  # type: ignore[attr-defined]


def test_three_saves_within_two_seconds_show_the_last(site, page: Page) -> None:  # type: ignore[no-untyped-def]
    content, server = site
    open_live(page, server.url + STORY_PAGE)
    started = time.monotonic()
    for n, word in enumerate(("第一稿", "第二稿", "第三稿")):
        save(content / STORY, STORY_TEXT.format(body=word))
        if n < 2:
            time.sleep(0.6)
    assert time.monotonic() - started < 2.0  # the scenario itself, not a speed check of the preview
    expect(page.locator(".story-body")).to_have_text("第三稿", timeout=WAIT_MS)
    server.wait(lambda s: not s["building"] and s["ok"])
    page.wait_for_load_state()
    expect(page.locator(".story-body")).to_have_text("第三稿")


def test_broken_yaml_shows_the_error_page_and_the_fix_brings_the_site_back(site, page: Page) -> None:  # type: ignore[no-untyped-def]
    content, server = site
    good = (content / "site.yaml").read_text(encoding="utf-8")
    open_live(page, server.url + STORY_PAGE)
    save(content / "site.yaml", good.replace("title: 测试市直机关共建", "title: [测试市直机关共建"))
    errors = page.locator("#gongjian-error")
    expect(errors).to_contain_text("content/site.yaml:", timeout=WAIT_MS)
    expect(errors.locator("h1")).to_contain_text("内容有问题")
    page.wait_for_function("window.LiveReload && window.LiveReload.connector.protocol >= 7", timeout=WAIT_MS)
    save(content / "site.yaml", good)
    expect(page.locator("h1")).to_have_text("义诊进村 健康到家", timeout=WAIT_MS)
    expect(page.locator("#gongjian-error")).to_have_count(0)


def test_a_template_change_is_applied(site, page: Page) -> None:  # type: ignore[no-untyped-def]
    content, server = site
    open_live(page, server.url + STORY_PAGE)
    own = content.parent / "templates/public"
    own.mkdir(parents=True)
    save(own / "story.html", '{% extends "_base.html" %}{% block main %}<h1 id="own">{{ view.story.title }}(新模板)</h1>'
         "{% endblock %}\n")
    expect(page.locator("#own")).to_have_text("义诊进村 健康到家(新模板)", timeout=WAIT_MS)


def test_a_stylesheet_change_restyles_without_a_full_reload(scratch, page: Page) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    static = content.parent / "templates/static"
    static.mkdir(parents=True)
    save(static / "custom.css", "h1 { color: rgb(1, 2, 3); }\n")
    with preview(content) as server:
        open_live(page, server.url + STORY_PAGE)
        colour = "getComputedStyle(document.querySelector('h1')).color"
        assert page.evaluate(colour) == "rgb(1, 2, 3)"
        save(static / "custom.css", "h1 { color: rgb(4, 5, 6); }\n")
        page.wait_for_function(f"{colour} === 'rgb(4, 5, 6)'", timeout=WAIT_MS)
        assert not reloaded(page)


def test_only_the_pages_whose_bytes_changed_reload(site, browser, page: Page) -> None:  # type: ignore[no-untyped-def]
    content, server = site
    dashboard = browser.new_page()
    try:
        open_live(page, server.url + STORY_PAGE)
        open_live(dashboard, server.url + "internal/")  # the internal side is made without stories
        save(content / STORY, STORY_TEXT.format(body="只有这一页变了。"))
        expect(page.locator(".story-body")).to_contain_text("只有这一页变了。", timeout=WAIT_MS)
        state = server.wait(lambda s: s["written"] == s["generation"])  # the build and what follows it are over
        assert reloaded(page) and not reloaded(dashboard)
        # the dashboard tab still follows the records it shows
        units = content / "units.yaml"
        save(units, units.read_text(encoding="utf-8").replace("市第四人民医院", "市第四人民医院（东院）", 1))
        server.wait_build_after(state["generation"])
        expect(dashboard.locator("main")).to_contain_text("市第四人民医院（东院）", timeout=WAIT_MS)
        assert reloaded(dashboard)
    finally:
        dashboard.close()


def test_drafts_show_a_badge_in_the_preview(site, page: Page) -> None:  # type: ignore[no-untyped-def]
    _content, server = site
    page.goto(server.url + "stories/")
    page.get_by_role("link", name="草稿故事").click()
    badge = page.locator("h1 .badge-draft")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("草稿")


def test_a_page_with_two_heads_still_follows_saves(scratch, page: Page) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    own = content.parent / "templates/public"
    own.mkdir(parents=True)
    save(own / "story.html", "<!DOCTYPE html><html><head><title>{{ view.story.title }}</title></head><body>"
         "<template><html><head><title>inner</title></head><body></body></html></template>"
         '<div class="story-body">{{ view.story.body | markdown }}</div></body></html>\n')
    with preview(content) as server:
        open_live(page, server.url + STORY_PAGE)
        assert page.evaluate("document.querySelectorAll('script[src*=\"livereload.js\"]').length") == 1
        save(content / STORY, STORY_TEXT.format(body="两个 head 也没关系。"))
        expect(page.locator(".story-body")).to_contain_text("两个 head 也没关系。", timeout=WAIT_MS)


@pytest.mark.slow
def test_still_up_after_a_hundred_saves_good_and_bad(site, page: Page) -> None:  # type: ignore[no-untyped-def]
    content, server = site
    good_site = (content / "site.yaml").read_text(encoding="utf-8")
    open_live(page, server.url + STORY_PAGE)
    pauses = random.Random(4).choices([0.0, 0.02, 0.08, 0.15, 0.3], k=100)
    for n, pause in enumerate(pauses):
        if n % 4 == 3:
            save(content / "site.yaml", "title: [坏了\n")
        else:
            save(content / "site.yaml", good_site)
            save(content / STORY, STORY_TEXT.format(body=f"第 {n} 次保存。"))
        time.sleep(pause)
    save(content / "site.yaml", good_site)
    save(content / STORY, STORY_TEXT.format(body="最后一次保存。"))
    expect(page.locator(".story-body")).to_have_text("最后一次保存。", timeout=WAIT_MS)
    state = server.wait(lambda s: not s["building"] and s["ok"])
    assert server.process.poll() is None and state["builds"] > 1
    assert "Traceback" not in server.output
    assert page.errors == []  # type: ignore[attr-defined]
