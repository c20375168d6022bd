"""The public site in real Chromium: Chinese search works, and axe finds no serious accessibility problem."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.browser

JS_TOOLS = REPO / "tests/js"
AXE = JS_TOOLS / "node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from the npm registry, pinned by tests/js/package-lock.json (installed on first use)."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install axe-core for the accessibility tests (apt-get install npm)"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(JS_TOOLS)], check=True,
                       capture_output=True, timeout=600)
    return AXE


@pytest.fixture
def site_url(showcase: Path, tmp_path: Path, serve_folder) -> str:  # type: ignore[no-untyped-def]
    """Serve the showcase under /gj/, the path of its base_url, as a real host would."""
    shutil.copytree(showcase / "public", tmp_path / "www/gj")
    return str(serve_folder(tmp_path / "www")) + "gj/"


def test_typing_a_chinese_word_finds_the_story(site_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site_url) else outside.append(r.url))
    page.goto(site_url)
    page.get_by_role("searchbox", name="搜索全站").fill("配方")  # a word inside the training story's body
    page.keyboard.press("Enter")
    result = page.locator("#search-results h2 a").first
    result.wait_for(timeout=15000)
    assert result.inner_text() == "科技培训进田间 农科专家教种植"
    result.click()
    page.wait_for_url(site_url + "stories/agri-training/")
    assert page.locator("h1").inner_text() == "科技培训进田间 农科专家教种植"
    # typing into the search page's own box works too
    page.goto(site_url + "search/")
    page.locator("#search-q").fill("义诊")
    page.locator("#search-results h2 a", has_text="义诊进村 健康到家").wait_for(timeout=15000)
    assert errors == []
    assert outside == []  # works offline: nothing is fetched from anywhere but the site itself
    page.close()


def test_internal_values_are_not_in_the_search_index(site_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(site_url + "search/")
    page.wait_for_function("window.gongjianSearch !== undefined")
    # The site's search returns exactly the pages whose indexed text contains the words.
    found = page.evaluate(
        """async (words) => {
            const out = {};
            for (const w of words) out[w] = await window.gongjianSearch.search(w);
            return out;
        }""",
        ["义诊", "张书记", "王某某", "独居老人", "帮扶措施不够具体", "村内道路破损", "0635-0000001"],
    )
    assert found["义诊"]  # the check can see text that is there
    assert {w: hits for w, hits in found.items() if w != "义诊"} == {w: [] for w in list(found)[1:]}
    page.close()


@pytest.mark.parametrize("path", ["", "stories/wanghui-health/", "units/hosp/", "progress/", "stories/", "search/?q=义诊"])
@pytest.mark.parametrize("width", [390, 1280])
def test_no_serious_accessibility_violations(site_url: str, browser, axe_script: Path, path: str,  # type: ignore[no-untyped-def]
                                             width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(site_url + path)
    if path.startswith("search/"):
        page.locator("#search-results h2 a").first.wait_for(timeout=15000)
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"""
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.close()


def test_a_site_restyles_through_css_variables_without_copying_templates(scratch, tmp_path: Path, browser,  # type: ignore[no-untyped-def]
                                                                         serve_folder) -> None:
    from generator.build import build_site

    content = scratch()
    own = content.parent / "templates/static"
    own.mkdir(parents=True)
    (own / "custom.css").write_text(":root { --brand: #0b5394; --font: serif; }\n", encoding="utf-8")
    out = tmp_path / "site"
    build_site(content, out, search=False)
    page = browser.new_page()
    page.goto(serve_folder(out / "public") + "stories/wanghui-health/")
    assert page.locator(".masthead").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 83, 148)"
    assert page.locator(".story-body h2").evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(11, 83, 148)"
    assert page.locator("body").evaluate("e => getComputedStyle(e).fontFamily") == "serif"
    assert page.locator("body").evaluate("e => getComputedStyle(e).lineHeight") == f"{17 * 1.8:.1f}px"  # roomy for CJK
    page.close()


def test_search_page_opened_from_disk_says_why_it_cannot_search(showcase: Path, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((showcase / "public/search/index.html").as_uri() + "?q=义诊")
    assert "直接从文件夹打开网页时无法搜索" in page.locator(".search-note").inner_text()
    assert errors == []
    page.close()
